"""UpdateModelPackage on the offline AWS keeps what the request does not name (AWS behaviour)."""

import boto3


def _package(sm):
    sm.create_model_package_group(ModelPackageGroupName="g")
    return sm.create_model_package(
        ModelPackageGroupName="g",
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"model_sha256": "abc", "metrics.accuracy": "0.9"},
        InferenceSpecification={
            "Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/models/1/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]


def test_approval_only_update_keeps_customer_metadata(aws):
    sm = boto3.client("sagemaker")
    arn = _package(sm)
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="ok by alice")
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == "ok by alice"
    assert described["CustomerMetadataProperties"] == {"model_sha256": "abc", "metrics.accuracy": "0.9"}


def test_customer_metadata_merges_and_removes_keys(aws):
    sm = boto3.client("sagemaker")
    arn = _package(sm)
    sm.update_model_package(
        ModelPackageArn=arn,
        CustomerMetadataProperties={"promoted.dev": "2026-11-01T00:00:00Z"},
        CustomerMetadataPropertiesToRemove=["metrics.accuracy"],
    )
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["CustomerMetadataProperties"] == {"model_sha256": "abc", "promoted.dev": "2026-11-01T00:00:00Z"}
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
