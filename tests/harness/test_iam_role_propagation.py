"""offline_aws/extensions/iam_role_propagation.py: a new role is refused for a moment, as on AWS."""

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError


def trust(service):
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def propagation(aws, iam_propagation):
    # Long enough for a loaded machine to make the next call inside it.
    assert iam_propagation(60) == 60
    return iam_propagation


def new_role(service):
    return boto3.client("iam").create_role(RoleName="fresh", AssumeRolePolicyDocument=trust(service))["Role"]["Arn"]


def test_sagemaker_create_model_refuses_a_young_role_then_accepts_it(propagation):
    arn = new_role("sagemaker.amazonaws.com")
    sagemaker = boto3.client("sagemaker")
    with pytest.raises(ClientError, match=f"ValidationException.*Could not assume role {arn}"):
        sagemaker.create_model(ModelName="m", ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1"})
    propagation(0.2)
    time.sleep(0.3)  # the role is now older than the delay
    sagemaker.create_model(ModelName="m", ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1"})


def test_codebuild_create_project_refuses_a_young_role(propagation):
    arn = new_role("codebuild.amazonaws.com")
    with pytest.raises(ClientError, match=f"InvalidInputException.*not authorized to perform: sts:AssumeRole on {arn}"):
        boto3.client("codebuild").create_project(
            name="project",
            source={"type": "S3", "location": "artifacts/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL"},
            serviceRole=arn,
        )


def test_codepipeline_create_pipeline_refuses_a_young_role(propagation):
    arn = new_role("codepipeline.amazonaws.com")
    source = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    action = {"name": "a", "actionTypeId": source, "configuration": {}, "outputArtifacts": [{"name": "o"}]}
    stage = {"name": "S", "actions": [action]}
    store = {"type": "S3", "location": "artifacts"}
    pipeline = {"name": "pipe", "roleArn": arn, "artifactStore": store, "stages": [stage, stage]}
    with pytest.raises(ClientError, match=f"InvalidStructureException.*perform AssumeRole on role {arn}"):
        boto3.client("codepipeline").create_pipeline(pipeline=pipeline)


def test_off_by_default(aws):
    arn = new_role("sagemaker.amazonaws.com")
    boto3.client("sagemaker").create_model(ModelName="m", ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1"})


def test_refusals_count_each_roles_first_uses_whatever_the_time(aws, iam_propagation):
    iam_propagation(refusals=2)
    arn = new_role("sagemaker.amazonaws.com")
    sagemaker = boto3.client("sagemaker")
    for _ in range(2):
        with pytest.raises(ClientError, match="Could not assume role"):
            sagemaker.create_model(ModelName="m", ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1"})
    sagemaker.create_model(ModelName="m", ExecutionRoleArn=arn, PrimaryContainer={"Image": "i:1"})
