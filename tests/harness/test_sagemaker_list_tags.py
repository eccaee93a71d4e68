"""Tags on SageMaker model package versions in the offline AWS."""

import boto3
import pytest
from botocore.exceptions import ClientError

SPEC = {"Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz"}], "SupportedContentTypes": ["a/b"],
        "SupportedResponseMIMETypes": ["a/b"]}


def test_model_package_versions_can_be_tagged(aws):
    sm = boto3.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    tagged = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                     Tags=[{"Key": "Project", "Value": "p"}])["ModelPackageArn"]
    bare = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert sm.list_tags(ResourceArn=tagged)["Tags"] == [{"Key": "Project", "Value": "p"}]
    assert sm.list_tags(ResourceArn=bare)["Tags"] == []
    sm.add_tags(ResourceArn=bare, Tags=[{"Key": "Stage", "Value": "dev"}])
    sm.delete_tags(ResourceArn=tagged, TagKeys=["Project"])
    assert sm.list_tags(ResourceArn=bare)["Tags"] == [{"Key": "Stage", "Value": "dev"}]
    assert sm.list_tags(ResourceArn=tagged)["Tags"] == []


def test_tags_of_an_unknown_version_are_a_validation_error(aws):
    sm = boto3.client("sagemaker")
    with pytest.raises(ClientError) as error:
        sm.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/g/7")
    assert error.value.response["Error"]["Code"] == "ValidationException"
