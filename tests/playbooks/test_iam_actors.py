"""Each actor's calls, made with its own identity, under the offline AWS's IAM enforcement.

The offline AWS refuses what AWS refuses (offline_aws/authorization.py and its extensions): an
action no statement grants, an SSE-KMS object without the key. Each test converges a role as the
operator, then makes the calls of the actor that role's policy is for, with the credentials AWS
would hand that actor (a task role assumed by ECS, ...), and expects what AWS would answer.
"""

import boto3

PREFIX = "mobileml-local"
BUCKET = f"{PREFIX}-models"
POINTER = "/mobileml/local/model-version"
ACCOUNT = "123456789012"


def test_ml_task_role_reads_the_sse_kms_model_and_its_pointer_as_ecs_hands_them(run_playbook, authorized_aws):
    run_playbook("tests/playbooks/actors/task_roles.yml").check()
    boto3.client("s3").put_object(Bucket=BUCKET, Key="models/1/model.tar.gz", Body=b"bundle")  # SSE-KMS by default

    task_role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-ml-task"
    ml_service = authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", task_role))
    # Before the fix: AccessDenied ... not authorized to perform: kms:Decrypt on resource: <the model store's key>.
    body = ml_service.client("s3").get_object(Bucket=BUCKET, Key="models/1/model.tar.gz")["Body"].read()
    assert body == b"bundle"
    assert ml_service.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"]
