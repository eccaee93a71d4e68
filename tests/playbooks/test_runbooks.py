"""The status and logs runbooks against the offline AWS, on state put through the API the way the
services, the load balancer and the roles put it there: a blue/green backend (benchmarks/deploy/
stack.py, as test_deploy_playbooks.py makes it) with registered targets, its observability alarms
(one set to ALARM, as CloudWatch would on a 5xx burst), the model pointer and registry, and the
services' JSON request lines written to the service's log group by the awslogs driver's API.
"""

import json
import time

import boto3
import pytest

from benchmarks.deploy import stack

NAME_PREFIX = "mobileml-local"
SERVICE = f"{NAME_PREFIX}-backend"
IMAGE = f"127.0.0.1:5000/{NAME_PREFIX}/backend-api"
LOG_GROUP = f"/ecs/{NAME_PREFIX}/backend"
POINTER = "/mobileml/local/model-version"


@pytest.fixture
def backend(aws):
    created = stack.create(SERVICE, NAME_PREFIX, container="backend-api", image=f"{IMAGE}:v1", port=8000)
    for color in ("blue", "green"):
        stack.register_targets(created["target_groups"][color], 1)
    cloudwatch = boto3.client("cloudwatch")
    for color in ("blue", "green"):
        for kind in ("5xx", "latency"):
            cloudwatch.put_metric_alarm(
                AlarmName=f"{SERVICE}-{color}-{kind}", MetricName="HTTPCode_Target_5XX_Count",
                Namespace="AWS/ApplicationELB", Statistic="Sum", Period=60, EvaluationPeriods=1,
                Threshold=5.0, ComparisonOperator="GreaterThanThreshold")
            cloudwatch.set_alarm_state(AlarmName=f"{SERVICE}-{color}-{kind}", StateValue="OK", StateReason="test")
    cloudwatch.set_alarm_state(AlarmName=f"{SERVICE}-blue-5xx", StateValue="ALARM", StateReason="5xx burst")
    return created


@pytest.fixture
def backend_logs(aws):
    """One task's request lines in the last minutes, and one line from two hours ago."""
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="backend/backend-api/task1")
    now = int(time.time() * 1000)
    lines = [(now - 7_200_000, {"status": 200, "path": "/api/predict", "request_id": "old"})]
    lines += [(now - 60_000 + i, {"level": "INFO", "message": "request", "path": "/api/predict",
                                  "status": 502 if i == 3 else 200, "duration_ms": 1.5 + i, "request_id": f"r{i}"})
              for i in range(5)]
    logs.put_log_events(logGroupName=LOG_GROUP, logStreamName="backend/backend-api/task1",
                        logEvents=[{"timestamp": t, "message": json.dumps(m)} for t, m in lines])


def test_status_shows_rollout_alarms_and_model_on_one_screen_and_as_json(run_playbook, backend, tmp_path):
    boto3.client("ssm").put_parameter(Name=POINTER, Type="String", Value=json.dumps({"version": "none"}))
    output = tmp_path / "status.json"
    run = run_playbook("playbooks/runbooks/status.yml",
                       extra_vars={"service": "backend", "status_output_file": str(output)}).check()
    assert run.changed == 1, run.output  # the JSON file, nothing in AWS
    # moto counts no running task (ECS tasks do not run offline); the counts are AWS's, as read.
    screen = ("backend: live blue | weights blue 100 / green 0 | blue 0/1 running, 2 healthy;"
              " green 0/0 running, 1 healthy")
    assert screen in run.stdout, run.output
    assert "backend: alarms 4, mobileml-local-backend-blue-5xx ALARM" in run.stdout
    assert "model    pointer vnone (nothing promoted); registry empty" in run.stdout
    status = json.loads(output.read_text())
    backend_status = status["services"]["backend"]
    assert backend_status["live_color"] == "blue"
    assert backend_status["weights"] == {"blue": 100, "green": 0}
    assert backend_status["images"] == [f"{IMAGE}:v1"]
    assert backend_status["colors"]["blue"]["health"]["healthy"] == 2
    assert backend_status["alarms"][f"{SERVICE}-blue-5xx"] == "ALARM"
    assert status["model"]["pointer_version"] == "none"
    assert "pipeline no pipeline" in run.stdout, run.output  # pipeline.yml never ran here
    assert status["pipeline"] == {"name": f"{NAME_PREFIX}-pipeline", "exists": False, "stages": [],
                                  "last_execution": None}


def make_pipeline():
    """The delivery pipeline's stages (the pipeline role's stage names), with a role CodePipeline trusts."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "codepipeline.amazonaws.com"}}]}
    role = boto3.client("iam").create_role(RoleName=f"{NAME_PREFIX}-pipeline",
                                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    source = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    stages = [{"name": "Source", "actions": [{"name": "Source", "actionTypeId": source,
                                              "outputArtifacts": [{"name": "src"}]}]}]
    stages += [{"name": name, "actions": [{"name": name, "actionTypeId": build, "inputArtifacts": [{"name": "src"}]}]}
               for name in ("Build", "Deploy-dev")]
    boto3.client("codepipeline").create_pipeline(pipeline={
        "name": f"{NAME_PREFIX}-pipeline", "roleArn": role, "stages": stages,
        "artifactStore": {"type": "S3", "location": f"{NAME_PREFIX}-pipeline-artifacts"}})


def test_status_shows_the_pipelines_last_execution_per_stage(run_playbook, backend, tmp_path):
    """The offline AWS runs no actions (an execution succeeds at once): a pipeline that never ran shows its
    stages as never run, then each stage the last execution. Stages of different runs and failed stages exist
    only in AWS: tests/unit/plugins/modules/test_codepipeline_state_info.py."""
    boto3.client("ssm").put_parameter(Name=POINTER, Type="String", Value=json.dumps({"version": "none"}))
    make_pipeline()
    run = run_playbook("playbooks/runbooks/status.yml", extra_vars={"service": "backend"})
    never = run.check().stdout
    assert "pipeline Source never ran | Build never ran | Deploy-dev never ran (last run none)" in never, run.output

    execution = boto3.client("codepipeline").start_pipeline_execution(name=f"{NAME_PREFIX}-pipeline")
    output = tmp_path / "status.json"
    run = run_playbook("playbooks/runbooks/status.yml",
                       extra_vars={"service": "backend", "status_output_file": str(output)}).check()
    run_id = execution["pipelineExecutionId"]
    assert (f"pipeline Source Succeeded | Build Succeeded | Deploy-dev Succeeded (last run {run_id[:8]} Succeeded)"
            in run.stdout), run.output
    pipeline = json.loads(output.read_text())["pipeline"]
    assert pipeline["exists"] is True
    assert pipeline["stages"] == [{"name": name, "status": "Succeeded", "execution_id": run_id}
                                  for name in ("Source", "Build", "Deploy-dev")]
    assert pipeline["last_execution"]["pipeline_execution_id"] == run_id
    assert pipeline["last_execution"]["status"] == "Succeeded"


def test_status_refuses_an_unknown_service_before_any_aws_call(run_playbook):
    run = run_playbook("playbooks/runbooks/status.yml", extra_vars={"service": "frontend"})
    assert run.returncode != 0
    assert "service: frontend is not one of backend, ml" in run.stdout


def test_deploy_ends_by_printing_its_weights_and_task_counts(run_playbook, backend):
    run = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    ended = "mobileml-local-backend: live green, weights blue 0 / green 100; tasks blue 0/0 / green 1/1 running/desired"
    assert ended in " ".join(run.stdout.split()), run.output


def test_logs_shows_the_window_filtered(run_playbook, backend_logs):
    run = run_playbook("playbooks/runbooks/logs.yml",
                       extra_vars={"service": "backend", "logs_since": "-10m", "logs_filter": "r3"}).check()
    assert "1 event(s)" in run.stdout, run.output
    assert '\\"request_id\\": \\"r3\\"' in run.stdout, run.output  # the message, JSON-escaped in the output
    assert '\\"r1\\"' not in run.stdout
    everything = run_playbook("playbooks/runbooks/logs.yml", extra_vars={"service": "backend", "logs_since": "-10m"})
    assert "5 event(s)" in everything.check().stdout  # not the line from two hours ago


def test_logs_refuses_an_unknown_query_naming_the_known_ones(run_playbook):
    run = run_playbook("playbooks/runbooks/logs.yml", extra_vars={"service": "backend", "logs_query": "p95"})
    assert run.returncode != 0
    assert "logs_query=<error_rate|latency|failed_predictions>" in run.stdout, run.output
