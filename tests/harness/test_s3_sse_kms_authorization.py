"""offline_aws/extensions/s3_sse_kms_authorization.py: SSE-KMS objects need the key, as on AWS."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
S3_STATEMENT = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::model-store/*"}


@pytest.fixture
def store(authorized_aws):
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="model-store")
    s3.put_object(
        Bucket="model-store", Key="models/1/model.tar.gz", Body=b"m", ServerSideEncryption="aws:kms", SSEKMSKeyId=key
    )
    s3.put_object(Bucket="model-store", Key="plain.txt", Body=b"p")
    return key


def client_of_role(authorized_aws, statements):
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="reader", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    return authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("s3")


def test_get_without_kms_decrypt_is_denied_naming_action_and_key(store, authorized_aws):
    s3 = client_of_role(authorized_aws, [S3_STATEMENT])
    with pytest.raises(ClientError) as denied:
        s3.get_object(Bucket="model-store", Key="models/1/model.tar.gz")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert f"kms:Decrypt on resource: {store}" in str(denied.value)
    assert s3.get_object(Bucket="model-store", Key="plain.txt")["Body"].read() == b"p"  # no key involved


def test_get_with_kms_decrypt_on_the_key_reads(store, authorized_aws):
    s3 = client_of_role(authorized_aws, [S3_STATEMENT, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": store}])
    assert s3.get_object(Bucket="model-store", Key="models/1/model.tar.gz")["Body"].read() == b"m"


def test_decrypt_on_another_key_does_not_help(store, authorized_aws):
    other = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = client_of_role(authorized_aws, [S3_STATEMENT, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": other}])
    with pytest.raises(ClientError, match="kms:Decrypt"):
        s3.get_object(Bucket="model-store", Key="models/1/model.tar.gz")


def test_put_under_bucket_default_encryption_needs_generate_data_key(store, authorized_aws):
    boto3.client("s3").put_bucket_encryption(
        Bucket="model-store",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": store}}]
        },
    )
    s3 = client_of_role(authorized_aws, [S3_STATEMENT])
    with pytest.raises(ClientError, match="kms:GenerateDataKey"):
        s3.put_object(Bucket="model-store", Key="capture/1.json", Body=b"{}")
    granted = client_of_role_again(authorized_aws, store)
    granted.put_object(Bucket="model-store", Key="capture/1.json", Body=b"{}")


def client_of_role_again(authorized_aws, key):
    statement = {"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": key}
    policy = {"Version": "2012-10-17", "Statement": [S3_STATEMENT, statement]}
    boto3.client("iam").put_role_policy(RoleName="reader", PolicyName="p", PolicyDocument=json.dumps(policy))
    arn = boto3.client("iam").get_role(RoleName="reader")["Role"]["Arn"]
    return authorized_aws.session(authorized_aws.as_service("ecs-tasks.amazonaws.com", arn)).client("s3")


def test_nothing_is_checked_while_iam_is_not_enforced(aws):
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="open")
    s3.put_object(Bucket="open", Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
    assert s3.get_object(Bucket="open", Key="k")["Body"].read() == b"x"
