"""Each actor's calls, made with its own identity, under the offline AWS's IAM enforcement.

The offline AWS refuses what AWS refuses (offline_aws/authorization.py and its extensions): an
action no statement grants, an SSE-KMS object without the key. Each test converges a role as the
operator, then makes the calls of the actor that role's policy is for, with the credentials AWS
would hand that actor (a task role assumed by ECS, ...), and expects what AWS would answer.
"""

import json
from pathlib import Path

import boto3
import pytest

from benchmarks.deploy import stack
from offline_aws import authorization

REPO = Path(__file__).resolve().parents[2]
PREFIX = "mobileml-local"
BUCKET = f"{PREFIX}-models"
POINTER = "/mobileml/local/model-version"
ACCOUNT = "123456789012"
SERVICE = f"{PREFIX}-backend"
IMAGE = f"127.0.0.1:5000/{PREFIX}/backend-api"
# Each new role is refused this many times by the call that hands it to its service (wall time
# is no clock on a loaded machine: the count makes the retry happen whatever the load).
PROPAGATION_REFUSALS = 2


@pytest.fixture
def backend_stack(authorized_aws):
    created = stack.create(SERVICE, PREFIX, container="backend-api", image=f"{IMAGE}:v1", port=8000)
    for color in ("blue", "green"):
        stack.register_targets(created["target_groups"][color], 1)
    return created


def test_ml_task_role_reads_the_sse_kms_model_and_its_pointer_as_ecs_hands_them(run_playbook, authorized_aws):
    run_playbook("tests/playbooks/actors/task_roles.yml").check()
    boto3.client("s3").put_object(Bucket=BUCKET, Key="models/1/model.tar.gz", Body=b"bundle")  # SSE-KMS by default

    task_role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-ml-task"
    ml_service = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", task_role))
    # Before the fix: AccessDenied ... not authorized to perform: kms:Decrypt on resource: <the model store's key>.
    body = ml_service.client("s3").get_object(Bucket=BUCKET, Key="models/1/model.tar.gz")["Body"].read()
    assert body == b"bundle"
    assert ml_service.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"]


def act_as(monkeypatch, credentials):
    """Make the next playbook run call AWS with these credentials only (no operator fallback)."""
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    for key, value in credentials.items():
        monkeypatch.setenv(key, value)


def test_deploy_runs_under_the_codebuild_role_of_the_pipeline(
    run_playbook, authorized_aws, backend_stack, monkeypatch, iam_propagation
):  # the pipeline's Deploy stage
    # On a fresh account the new roles are refused for a while: the role retries exactly that error.
    iam_propagation(refusals=PROPAGATION_REFUSALS)
    # Before the fix: CodeBuild is not authorized to perform: sts:AssumeRole on <the new role>.
    pipeline = run_playbook("playbooks/pipeline.yml").check()  # creates the CodeBuild role and its policy
    assert "FAILED - RETRYING: [localhost]: Create or update each CodeBuild project" in pipeline.stdout
    assert "FAILED - RETRYING: [localhost]: Create or update the pipeline" in pipeline.stdout
    iam_propagation(0)

    codebuild_role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-codebuild"
    act_as(monkeypatch, authorized_aws.as_service("codebuild.amazonaws.com", codebuild_role))
    # Before the fix: AccessDenied ... application-autoscaling:DescribeScalableTargets (the first task).
    deploy = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"})
    assert deploy.returncode == 0, deploy.output
    assert "green" in deploy.stdout
    # Before the fix: AccessDenied ... elasticloadbalancing:RemoveTags, so the rollout's lock and progress
    # record stayed on the rule and the next Deploy stage found the rule locked.
    assert "Could not remove" not in deploy.stdout, deploy.output
    tags = boto3.client("elbv2").describe_tags(ResourceArns=[backend_stack["rule_arn"]])["TagDescriptions"][0]["Tags"]
    assert not [t["Key"] for t in tags if t["Key"].endswith(("lock_owner", "step"))], tags


def test_sagemaker_run_without_model_store_facts_keeps_the_key_and_the_alarm_rights(
    run_playbook, authorized_aws, iam_propagation
):
    run_playbook("playbooks/ml.yml").check()  # the model store alone (ml_serving: ecs)
    boto3.client("s3").put_object(Bucket=BUCKET, Key="models/1/model.tar.gz", Body=b"bundle")  # SSE-KMS by default
    uri = f"s3://{BUCKET}/models/1/model.tar.gz"
    # The execution role is created in this run: CreateModel is refused until it has propagated
    # (before the fix: ValidationException Could not assume role <arn>).
    iam_propagation(refusals=PROPAGATION_REFUSALS)
    run_playbook(
        "tests/playbooks/actors/sagemaker_alone.yml",
        extra_vars={
            "sagemaker_model_data_url": uri,
            "sagemaker_model_version": "1",
            "sagemaker_rollback_on_alarms": True,
            "image_tag": "0123456789ab",  # what images.yml pushed (the role serves the deployed image)
        },
    ).check()

    sagemaker = boto3.client("sagemaker")
    live = sagemaker.describe_endpoint(EndpointName=f"{PREFIX}-model")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=live["EndpointConfigName"])
    key = boto3.client("kms").describe_key(KeyId=f"alias/{PREFIX}-models")["KeyMetadata"]["Arn"]
    assert config.get("KmsKeyId") == key

    execution_role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-sagemaker"
    as_sagemaker = authorized_aws.session(authorized_aws.as_service("sagemaker.amazonaws.com", execution_role))
    # Before the fix: AccessDenied ... kms:Decrypt (the policy lost its key statement).
    assert as_sagemaker.client("s3").get_object(Bucket=BUCKET, Key="models/1/model.tar.gz")["Body"].read() == b"bundle"
    # Before the fix: AccessDenied ... cloudwatch:DescribeAlarms (SageMaker reads the rollback alarms with this role).
    alarms = as_sagemaker.client("cloudwatch").describe_alarms(AlarmNames=[f"{PREFIX}-model-5xx"])["MetricAlarms"]
    assert [alarm["AlarmName"] for alarm in alarms] == [f"{PREFIX}-model-5xx"]
    as_sagemaker.client("cloudwatch").put_metric_data(
        Namespace="/aws/sagemaker/Endpoints", MetricData=[{"MetricName": "CPUUtilization", "Value": 1.0}]
    )


def deployer_policy(without_action=None):
    """policies/deployer.json, optionally without the statement that grants `without_action`."""
    policy = json.loads((REPO / "policies" / "deployer.json").read_text())
    if without_action:
        kept = [s for s in policy["Statement"] if without_action not in s["Action"]]
        assert len(kept) == len(policy["Statement"]) - 1, f"one statement grants {without_action}"
        policy["Statement"] = kept
    return policy


def test_deploy_and_rollback_run_under_the_shipped_deployer_policy(
    run_playbook, authorized_aws, backend_stack, monkeypatch
):
    deployer = authorization.create_user(authorized_aws.endpoint, authorized_aws.admin, "deployer", deployer_policy())
    act_as(monkeypatch, deployer)
    run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    rollback = run_playbook("playbooks/runbooks/rollback.yml", extra_vars={"service": "backend"}).check()
    assert "Roll back to mobileml-local-backend-blue" in rollback.stdout


def test_deploy_without_the_traffic_statement_fails_with_access_denied_naming_modify_rule(
    run_playbook, authorized_aws, backend_stack, monkeypatch
):
    policy = deployer_policy(without_action="elasticloadbalancing:ModifyRule")
    act_as(monkeypatch, authorization.create_user(authorized_aws.endpoint, authorized_aws.admin, "deployer", policy))
    deploy = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"})
    assert deploy.returncode != 0
    assert "AccessDenied" in deploy.stdout, deploy.output
    assert "is not authorized to perform: elasticloadbalancing:ModifyRule" in deploy.stdout, deploy.output
