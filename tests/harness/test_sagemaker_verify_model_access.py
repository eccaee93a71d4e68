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
    s3.put_object(
        Bucket="model-store", Key="models/1/model.tar.gz", Body=b"m", ServerSideEncryption="aws:kms", SSEKMSKeyId=key
    )
    return key


def endpoint_with_role(name, statements, image="i:1"):
    iam, sagemaker = boto3.client("iam"), boto3.client("sagemaker")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=arn, PrimaryContainer={"Image": image, "ModelDataUrl": URL})
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


REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"digest": "sha256:" + "a" * 64, "size": 1},
        "layers": [],
    }
)


@pytest.fixture
def pushed(store):
    """The ML service image in this account's ECR, tag 1."""
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="mobileml-prod/ml-model-service")
    ecr.put_image(repositoryName="mobileml-prod/ml-model-service", imageManifest=MANIFEST, imageTag="1")
    return f"{REGISTRY}/mobileml-prod/ml-model-service"


def test_an_endpoint_whose_role_cannot_pull_the_image_fails_with_sagemakers_reason(store, pushed):
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": store}
    sagemaker = boto3.client("sagemaker")
    config = endpoint_with_role("no-pull", [READ, decrypt], image=f"{pushed}:1")
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName=config)
    endpoint = sagemaker.describe_endpoint(EndpointName="ep")
    assert endpoint["EndpointStatus"] == "Failed"
    assert endpoint["FailureReason"] == (
        f"The role 'arn:aws:iam::123456789012:role/no-pull' does not have BatchGetImage permission for the image: "
        f"'{pushed}:1'."
    )


def test_an_image_the_repository_does_not_hold_fails_and_the_one_it_holds_serves(store, pushed):
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": store}
    pull = {
        "Effect": "Allow",
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/mobileml-prod/ml-model-service",
    }
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_endpoint(
        EndpointName="missing",
        EndpointConfigName=endpoint_with_role("latest", [READ, decrypt, pull], image=f"{pushed}:latest"),
    )
    endpoint = sagemaker.describe_endpoint(EndpointName="missing")
    assert endpoint["EndpointStatus"] == "Failed"
    assert endpoint["FailureReason"].startswith(
        "Please make sure all images included in the model for the production variant main exist"
    )
    sagemaker.create_endpoint(
        EndpointName="ep", EndpointConfigName=endpoint_with_role("tagged", [READ, decrypt, pull], image=f"{pushed}:1")
    )
    assert sagemaker.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"
