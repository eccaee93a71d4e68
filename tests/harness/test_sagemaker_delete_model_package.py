"""DeleteModelPackage on the offline AWS: the version is gone and its number is never reused."""

import boto3
import pytest
from botocore.exceptions import ClientError

SPEC = {"Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz"}], "SupportedContentTypes": ["a/b"],
        "SupportedResponseMIMETypes": ["a/b"]}


def _versions(sm):
    pages = sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName="g")
    return sorted(s["ModelPackageVersion"] for page in pages for s in page["ModelPackageSummaryList"])


def test_deleted_version_disappears_and_numbers_keep_growing(aws):
    sm = boto3.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arns = [sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
            for _ in range(3)]
    sm.delete_model_package(ModelPackageName=arns[2])
    assert _versions(sm) == [1, 2]
    with pytest.raises(ClientError) as error:
        sm.describe_model_package(ModelPackageName=arns[2])
    assert error.value.response["Error"]["Code"] == "ValidationException"
    new = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert new.endswith("/g/4")
    assert sm.describe_model_package(ModelPackageName=new)["ModelPackageVersion"] == 4
    assert _versions(sm) == [1, 2, 4]


def test_deleting_an_unknown_package_is_a_validation_error(aws):
    sm = boto3.client("sagemaker")
    with pytest.raises(ClientError) as error:
        sm.delete_model_package(ModelPackageName="arn:aws:sagemaker:us-east-1:123456789012:model-package/g/9")
    assert error.value.response["Error"]["Code"] == "ValidationException"
