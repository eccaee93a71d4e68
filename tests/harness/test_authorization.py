"""offline_aws/authorization.py and its extensions: IAM enforced per actor, as on AWS.

(iam_authorization_unknown_resources.py, sts_assume_role_as_service.py)
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
TASK_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def role(name, statements, trust=TASK_TRUST):
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    return arn


def test_the_shared_test_key_is_refused_once_iam_is_enforced(authorized_aws):
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", aws_session_token=None)
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        sts.get_caller_identity()
    assert boto3.client("sts").get_caller_identity()["Arn"].endswith(":user/offline-aws-admin")


def test_a_statement_scoped_to_a_resource_grants_its_action(authorized_aws):
    boto3.client("ssm").put_parameter(Name="/app/dev/model-version", Value="7", Type="String")
    parameters = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/dev/*"
    arn = role("task", [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": parameters}])
    ssm = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("ssm")
    assert ssm.get_parameter(Name="/app/dev/model-version")["Parameter"]["Value"] == "7"


def test_an_action_no_statement_grants_is_denied_naming_it(authorized_aws):
    arn = role("task", [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}])
    ecs = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("ecs")
    with pytest.raises(ClientError, match="not authorized to perform: ecs:ListClusters"):
        ecs.list_clusters()


def test_an_explicit_deny_on_every_resource_wins(authorized_aws):
    arn = role(
        "task",
        [
            {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ssm:DeleteParameter", "Resource": "*"},
        ],
    )
    ssm = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("ssm")
    with pytest.raises(ClientError, match="ssm:DeleteParameter"):
        ssm.delete_parameter(Name="/x")


def test_s3_resources_stay_scoped(authorized_aws):
    boto3.client("s3").create_bucket(Bucket="models-bucket")
    boto3.client("s3").put_object(Bucket="models-bucket", Key="other/m", Body=b"x")
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::models-bucket/models/*"}
    arn = role("task", [statement])
    s3 = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("s3")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.get_object(Bucket="models-bucket", Key="other/m")


def test_a_service_assumes_only_roles_that_trust_it(authorized_aws):
    arn = role("task", [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}])
    with pytest.raises(ClientError, match="AccessDenied"):
        authorized_aws.as_service("codebuild.amazonaws.com", arn)
    assumed = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("sts")
    assert ":assumed-role/task/" in assumed.get_caller_identity()["Arn"]


def test_the_next_test_runs_unchecked_again(aws):
    boto3.client("s3").create_bucket(Bucket="unchecked")


def test_cloudwatch_actions_carry_their_iam_prefix(authorized_aws):
    arn = role("task", [{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}])
    cloudwatch = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("cloudwatch")
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    with pytest.raises(ClientError, match="cloudwatch:PutMetricData"):
        cloudwatch.put_metric_data(Namespace="App", MetricData=[{"MetricName": "m", "Value": 1.0}])
