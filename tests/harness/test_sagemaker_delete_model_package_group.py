"""DeleteModelPackageGroup on the offline AWS: only an empty group can be deleted."""

import boto3
import pytest
from botocore.exceptions import ClientError

SPEC = {"Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz"}], "SupportedContentTypes": ["a/b"],
        "SupportedResponseMIMETypes": ["a/b"]}


def test_a_group_with_versions_is_kept_an_empty_group_is_deleted(aws):
    sm = boto3.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    with pytest.raises(ClientError) as error:
        sm.delete_model_package_group(ModelPackageGroupName="g")
    assert error.value.response["Error"]["Code"] == "ConflictException"
    sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName="g")
    with pytest.raises(ClientError) as error:
        sm.describe_model_package_group(ModelPackageGroupName="g")
    assert error.value.response["Error"]["Code"] == "ValidationException"


def test_deleting_an_unknown_group_is_a_validation_error(aws):
    sm = boto3.client("sagemaker")
    with pytest.raises(ClientError) as error:
        sm.delete_model_package_group(ModelPackageGroupName="nope")
    assert error.value.response["Error"]["Code"] == "ValidationException"
