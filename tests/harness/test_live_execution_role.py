"""ECS reads a task's secrets and pulls its ECR image with the task execution role, and refuses as
AWS does when the role may not (offline_aws/live/execution_role.py): the agent stops such a task
with ECS's reason instead of handing the container what its role could never have read.

In this process (moto in memory): the agent's own functions, the task's container definition.
"""

import json

import boto3
import pytest
from moto import mock_aws

from offline_aws.live import execution_role, task_environment

ACCOUNT, REGION = "123456789012", "us-east-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@pytest.fixture
def aws_in_process(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield


def role(name, *statements, managed=(), trust=TRUST):
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(document))
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def container(*value_froms):
    return {"name": "app", "secrets": [{"name": f"S{i}", "valueFrom": v} for i, v in enumerate(value_froms)]}


def read(role_arn, *value_froms):
    return task_environment.secrets(ACCOUNT, REGION, container(*value_froms), role_arn, "task1")


def refusal(role_arn, *value_froms):
    with pytest.raises(task_environment.TaskStartError) as refused:
        read(role_arn, *value_froms)
    return str(refused.value)


def test_a_secret_is_read_only_where_the_execution_role_may(aws_in_process):
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(Name="app/api-key", SecretString="s3cr3t")
    # The ARN ends in a random suffix: "app/api-key" alone does not match it, "app/*" does (as on AWS).
    prefix = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
    allowed = role("allowed", allow("secretsmanager:GetSecretValue", prefix + "app/*"))
    exact_name = role("exact-name", allow("secretsmanager:GetSecretValue", prefix + "app/api-key"))
    none = role("none", managed=[EXECUTION_POLICY])

    assert read(allowed, secret["ARN"]) == {"S0": "s3cr3t"}
    for denied in (exact_name, none):
        reason = refusal(denied, secret["ARN"])
        assert reason.startswith("ResourceInitializationError: unable to pull secrets or registry auth"), reason
        assert f"is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret['ARN']}" in reason
        assert f"assumed-role/{denied.rsplit('/', 1)[1]}/task1" in reason


def test_a_customer_managed_key_needs_kms_decrypt_an_aws_managed_one_does_not(aws_in_process):
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    manager = boto3.client("secretsmanager", region_name=REGION)
    with_cmk = manager.create_secret(Name="app/cmk", SecretString="a", KmsKeyId=key)["ARN"]
    default = manager.create_secret(Name="app/default", SecretString="b")["ARN"]
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/app/token", Value="c", Type="SecureString", KeyId=key)
    ssm.put_parameter(Name="/app/plain", Value="d", Type="SecureString")  # alias/aws/ssm
    reads = [
        allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/*"),
        allow("ssm:GetParameters", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/*"),
    ]
    reads_only = role("reads-only", *reads)
    decrypts = role("decrypts", *reads, allow("kms:Decrypt", key))

    assert read(reads_only, default, "/app/plain") == {"S0": "b", "S1": "d"}
    assert refusal(reads_only, with_cmk).endswith("AccessDeniedException: Access to KMS is not allowed")
    assert f"not authorized to perform: kms:Decrypt on resource: {key}" in refusal(reads_only, "/app/token")
    parameter_arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/token"
    assert read(decrypts, with_cmk, parameter_arn) == {"S0": "a", "S1": "c"}
    assert "ssm:GetParameters on resource: " + parameter_arn in refusal(role("no-ssm", reads[0]), parameter_arn)


def test_secrets_need_an_execution_role_that_trusts_ecs_tasks(aws_in_process):
    boto3.client("ssm", region_name=REGION).put_parameter(Name="/p", Value="v", Type="String")
    arn = "/p"
    assert "executionRoleArn" in refusal(None, arn)
    lambda_trust = json.loads(json.dumps(TRUST).replace("ecs-tasks", "lambda"))
    untrusting = role("lambda-role", allow("ssm:GetParameters", "*"), trust=lambda_trust)
    assert "ECS was unable to assume the role" in refusal(untrusting, arn)
    assert task_environment.secrets(ACCOUNT, REGION, {"name": "app"}, None, "task1") == {}  # no secrets, no role


def test_an_ecr_image_is_pulled_with_the_execution_role(aws_in_process):
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app/backend:v1"
    managed = role("managed", managed=[EXECUTION_POLICY])
    no_token = role("no-token", allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "*"))
    pulls_other = allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "arn:aws:ecr:*:*:repository/other")
    other_repo = role("other-repo", allow("ecr:GetAuthorizationToken", "*"), pulls_other)

    assert execution_role.image_denial(ACCOUNT, REGION, managed, "t", image) is None
    assert "ecr:GetAuthorizationToken on resource: *" in execution_role.image_denial(
        ACCOUNT, REGION, no_token, "t", image
    )
    assert "403 Forbidden" in execution_role.image_denial(ACCOUNT, REGION, other_repo, "t", image)
    assert "executionRoleArn" in execution_role.image_denial(ACCOUNT, REGION, None, "t", image)
    # A registry that is not this account's ECR needs no AWS authorization.
    assert execution_role.image_denial(ACCOUNT, REGION, None, "t", "127.0.0.1:5000/app/backend:v1") is None
