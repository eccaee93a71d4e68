"""playbooks/pipeline.yml against the offline AWS, as a user runs it: check mode on an empty account
plans everything and creates nothing; a converge, then a re-run and check mode that change nothing;
a log retention edited by hand is reported by check mode (not applied) and undone by the next run."""

import fnmatch
import json
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[2]
NAME_PREFIX = "mobileml-local"  # inventories/local: app_name mobileml, env_name local
PIPELINE = f"{NAME_PREFIX}-pipeline"
BUILD_LOG = f"/aws/codebuild/{NAME_PREFIX}-build-ml"
SOURCE_BUCKET, SOURCE_KEY = f"{NAME_PREFIX}-pipeline-artifacts", f"source/{NAME_PREFIX}.zip"


def object_created(key):
    """The event S3 sends to EventBridge when an object is uploaded (S3 user guide, EventBridge events)."""
    return json.dumps(
        {
            "version": "0",
            "id": "17793124-05d4-b198-2fde-7ededc63b103",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": "123456789012",
            "time": "2026-12-02T10:00:00Z",
            "region": "us-east-1",
            "resources": [f"arn:aws:s3:::{SOURCE_BUCKET}"],
            "detail": {
                "version": "0",
                "bucket": {"name": SOURCE_BUCKET},
                "object": {"key": key},
                "reason": "PutObject",
            },
        }
    )


def assert_an_upload_starts_the_pipeline():
    """S3 source with PollForSourceChanges false: the bucket sends its events to EventBridge and a rule
    on the source object's upload starts the pipeline, through a role allowed only that."""
    assert "EventBridgeConfiguration" in boto3.client("s3").get_bucket_notification_configuration(Bucket=SOURCE_BUCKET)
    events = boto3.client("events")
    rule = events.describe_rule(Name=f"{PIPELINE}-source")
    assert events.test_event_pattern(EventPattern=rule["EventPattern"], Event=object_created(SOURCE_KEY))["Result"]
    assert not events.test_event_pattern(EventPattern=rule["EventPattern"], Event=object_created("other.zip"))["Result"]
    (target,) = events.list_targets_by_rule(Rule=f"{PIPELINE}-source")["Targets"]
    assert target["Arn"] == f"arn:aws:codepipeline:us-east-1:123456789012:{PIPELINE}"
    role = target["RoleArn"].rsplit("/", 1)[1]
    iam = boto3.client("iam")
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
    (statement,) = iam.get_role_policy(RoleName=role, PolicyName="start-pipeline")["PolicyDocument"]["Statement"]
    assert statement["Action"] == "codepipeline:StartPipelineExecution" and statement["Resource"] == target["Arn"]


def assert_approvals_are_announced_and_only_approvers_may_give_them():
    """The manual approval notifies an SNS topic the pipeline role may publish to; approving is
    policies/approver.json's (PutApprovalResult on the Approve-* actions), which no pipeline role has."""
    topic = f"arn:aws:sns:us-east-1:123456789012:{NAME_PREFIX}-pipeline-approvals"
    assert topic in [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]]
    stages = boto3.client("codepipeline").get_pipeline(name=PIPELINE)["pipeline"]["stages"]
    (approval,) = [a for stage in stages for a in stage["actions"] if a["actionTypeId"]["category"] == "Approval"]
    assert approval["configuration"]["NotificationArn"] == topic
    iam = boto3.client("iam")
    policies = {
        role: json.dumps(iam.get_role_policy(RoleName=f"{NAME_PREFIX}-{role}", PolicyName=role)["PolicyDocument"])
        for role in ("codebuild", "codepipeline")
    }
    assert "sns:Publish" in policies["codepipeline"] and topic in policies["codepipeline"]
    assert all("PutApprovalResult" not in policy for policy in policies.values())
    approver = json.loads((REPO / "policies/approver.json").read_text())
    (grant,) = [s for s in approver["Statement"] if "codepipeline:PutApprovalResult" in s["Action"]]
    action_arn = f"arn:aws:codepipeline:us-east-1:123456789012:{PIPELINE}/{approval['name']}/{approval['name']}"
    assert fnmatch.fnmatchcase(action_arn, grant["Resource"])


def assert_the_builds_pull_an_unthrottled_base_image_for_the_tasks_architecture():
    projects = boto3.client("codebuild").batch_get_projects(names=[f"{NAME_PREFIX}-build-ml"])["projects"]
    environment = projects[0]["environment"]
    variables = {v["name"]: v["value"] for v in environment["environmentVariables"]}
    assert variables["BASE_IMAGE"] == "public.ecr.aws/docker/library/python:3.11-slim"  # not Docker Hub
    assert variables["IMAGE_PLATFORM"] == "linux/amd64" and environment["type"] == "LINUX_CONTAINER"


def pipeline_resources():
    return {
        "roles": [
            r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(NAME_PREFIX)
        ],
        "buckets": [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]],
        "projects": boto3.client("codebuild").list_projects()["projects"],
        "pipelines": [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]],
        "log_groups": [g["logGroupName"] for g in boto3.client("logs").describe_log_groups()["logGroups"]],
    }


def retention():
    return boto3.client("logs").describe_log_groups(logGroupNamePrefix=BUILD_LOG)["logGroups"][0].get("retentionInDays")


def test_check_mode_on_an_empty_account_plans_everything_and_creates_nothing(run_playbook):
    run = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert f"would create or update {PIPELINE}" in run.stdout, run.output
    assert f"would create or update {NAME_PREFIX}-build-ml" in run.stdout
    assert all(not found for found in pipeline_resources().values()), pipeline_resources()


def test_converge_then_nothing_to_do_and_drift_is_reported_then_undone(run_playbook):
    assert run_playbook("playbooks/pipeline.yml").check().changed > 0
    assert pipeline_resources()["pipelines"] == [PIPELINE]
    assert_an_upload_starts_the_pipeline()
    assert_the_builds_pull_an_unthrottled_base_image_for_the_tasks_architecture()
    assert_approvals_are_announced_and_only_approvers_may_give_them()
    assert_deploy_projects_carry_their_time_budget()
    again = run_playbook("playbooks/pipeline.yml").check()
    assert again.changed == 0, again.output
    planned = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert planned.changed == 0, planned.output

    wanted = retention()
    boto3.client("logs").put_retention_policy(logGroupName=BUILD_LOG, retentionInDays=1)
    seen = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert seen.changed == 1 and f"would create or correct {BUILD_LOG}" in seen.stdout, seen.output
    assert retention() == 1  # check mode changed nothing
    assert run_playbook("playbooks/pipeline.yml").check().changed == 1
    assert retention() == wanted


def assert_deploy_projects_carry_their_time_budget():
    # A deploy build runs deploy.yml for backend then ml: its own timeout, handed to deploy.yml as the
    # budget it refuses to exceed (the timeout less the setup time), with the services in that order.
    projects = boto3.client("codebuild").batch_get_projects(
        names=[f"{NAME_PREFIX}-deploy-dev", f"{NAME_PREFIX}-build-ml"]
    )["projects"]
    deploy, build = sorted(projects, key=lambda p: p["name"], reverse=True)
    assert (deploy["timeoutInMinutes"], build["timeoutInMinutes"]) == (90, 30)
    variables = {v["name"]: v["value"] for v in deploy["environment"]["environmentVariables"]}
    assert variables["DEPLOY_TIME_BUDGET"] == str(90 * 60 - 300)
    assert variables["DEPLOY_JOB_SERVICES"] == "backend,ml"
