"""Job templates run by ansible-runner as AWX runs them (conftest.py): the project's own sync makes
the collection loadable (no .build symlink), and the runbooks work with a survey's answers.
Only cheap templates run in full here (status, logs); the others are checked statically
(test_controller_data.py) and by their playbooks' own tests."""

import json
import time

import boto3

from benchmarks.deploy import stack

NAME_PREFIX = "mobileml-local"


def test_the_project_sync_installs_this_collection_from_the_checkout(synced_project):
    _, collections = synced_project
    installed = collections / "ansible_collections" / "mlops" / "aws_deploy"
    assert (installed / "MANIFEST.json").exists()
    assert (installed / "plugins" / "modules" / "cloudwatch_logs_query.py").exists()


def test_status_job_with_its_survey_answers(run_job):
    created = stack.create(f"{NAME_PREFIX}-backend", NAME_PREFIX, container="backend-api",
                           image=f"127.0.0.1:5000/{NAME_PREFIX}/backend-api:v1", port=8000)
    stack.register_targets(created["target_groups"]["blue"], 1)
    boto3.client("ssm").put_parameter(Name="/mobileml/local/model-version", Type="String", Value='{"version": "none"}')
    status, rc, stdout, artifacts = run_job("mlops status", {"service": "backend"})
    assert (status, rc) == ("successful", 0), stdout[-8000:]
    assert "backend: live blue | weights blue 100 / green 0" in stdout
    # set_stats: what AWX shows as the job's artifacts (and hands to the next workflow node).
    assert artifacts["status"]["services"]["backend"]["live_color"] == "blue"


def test_logs_job_with_its_survey_answers(run_job):
    logs = boto3.client("logs")
    group = f"/ecs/{NAME_PREFIX}/ml"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="ml/ml/task1")
    logs.put_log_events(logGroupName=group, logStreamName="ml/ml/task1", logEvents=[
        {"timestamp": int(time.time() * 1000) - 1000, "message": json.dumps({"status": 200, "request_id": "r1"})}])
    status, rc, stdout, artifacts = run_job("mlops logs", {"service": "ml"})
    assert (status, rc) == ("successful", 0), stdout[-8000:]
    assert "1 event(s)" in stdout
    assert artifacts["logs"]["events"][0]["fields"]["request_id"] == "r1"


def test_a_job_without_its_required_answer_is_refused_before_any_aws_call(run_job):
    status, rc, stdout, _ = run_job("mlops logs", {"service": "frontend"})
    assert status == "failed" and rc != 0
    assert "Give -e service=<backend|ml>" in stdout
