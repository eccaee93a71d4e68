"""offline_aws/extensions/sagemaker_verify_model_access.py: SageMaker downloads the model with its role."""

import json

import boto3
import pytest

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
URL = "s3://model-store/models/1/model.tar.gz"
VARIANT = {"VariantName": "main", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1, "InitialVariantWeight": 1.0}


@pytest.fixture
def store(authorized_aws):
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="model-store")
    s3.put_object(Bucket="model-store", Key="models/1/model.tar.gz", Body=b"m", ServerSideEncryption="aws:kms",
                  SSEKMSKeyId=key)
    return key


def endpoint_with_role(name, statements):
    iam, sagemaker = boto3.client("iam"), boto3.client("sagemaker")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1", "ModelDataUrl": URL})
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[dict(VARIANT, ModelName=name)])
    return name


READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::model-store/models/*"}


def test_an_endpoint_whose_role_cannot_decrypt_the_model_fails_with_sagemakers_reason(store):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName=endpoint_with_role("no-key", [READ]))
    endpoint = sagemaker.describe_endpoint(EndpointName="ep")
    assert endpoint["EndpointStatus"] == "Failed"
    assert endpoint["FailureReason"].startswith("Failed to download model data(bucket: model-store, key: models/1/")


def test_an_endpoint_whose_role_reads_and_decrypts_is_in_service(store):
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": store}
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName=endpoint_with_role("full", [READ, decrypt]))
    assert sagemaker.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


def test_an_update_to_a_model_the_role_cannot_read_rolls_back(store):
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": store}
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName=endpoint_with_role("full", [READ, decrypt]))
    sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName=endpoint_with_role("no-read", [decrypt]))
    endpoint = sagemaker.describe_endpoint(EndpointName="ep")
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", "full")
    assert "Failed to download model data" in endpoint["FailureReason"]
