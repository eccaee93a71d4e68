"""model_package_info with botocore's Stubber.

The answers follow SageMaker's API reference (DescribeModelPackageGroup, ListModelPackages,
DescribeModelPackage, ListTags); a missing group is SageMaker's ValidationException
"ModelPackageGroup ... does not exist.", a package deleted under our feet its ResourceNotFound.
"""

import datetime

from ansible_collections.mlops.aws_deploy.plugins.modules import model_package_info

GROUP = "mobileml-model"
ACCOUNT = "123456789012"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package-group/{GROUP}"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def arn(version):
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{GROUP}/{version}"


def summary(version, status="PendingManualApproval"):
    return {"ModelPackageGroupName": GROUP, "ModelPackageVersion": version, "ModelPackageArn": arn(version),
            "CreationTime": NOW, "ModelPackageStatus": "Completed", "ModelApprovalStatus": status}


def described(version, status="PendingManualApproval"):
    return dict(summary(version, status), ModelPackageName=GROUP,
                ModelPackageStatusDetails={"ValidationStatuses": []}, CustomerMetadataProperties={
        "model_sha256": f"{version}" * 64, "metrics.accuracy": "0.95", "dataset.rows": "569"},
        InferenceSpecification={"Containers": [{"Image": "img:1", "ModelDataUrl": f"s3://b/models/{version}/model.tar.gz"}],
                                "SupportedContentTypes": ["application/json"],
                                "SupportedResponseMIMETypes": ["application/json"]})


def expect_group(stub):
    stub.add_response("describe_model_package_group", {
        "ModelPackageGroupName": GROUP, "ModelPackageGroupArn": GROUP_ARN, "CreationTime": NOW, "CreatedBy": {},
        "ModelPackageGroupStatus": "Completed", "ModelPackageGroupDescription": "mobileml model versions",
    }, {"ModelPackageGroupName": GROUP})


def test_a_missing_group_is_reported_as_not_existing(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    stub.add_client_error("describe_model_package_group", "ValidationException",
                          f"ModelPackageGroup {GROUP_ARN} does not exist.", 400)
    result = run_module(model_package_info, {"group": GROUP})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["exists"] is False
    assert result["model_packages"] == [] and result["next_version"] == 1


def test_versions_come_oldest_first_with_their_metrics_and_the_group_tags(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub)
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(2, "Approved"), summary(1)]},
                      {"ModelPackageGroupName": GROUP, "ModelPackageType": "Versioned"})
    stub.add_response("describe_model_package", described(1), {"ModelPackageName": arn(1)})
    stub.add_response("describe_model_package", described(2, "Approved"), {"ModelPackageName": arn(2)})
    stub.add_response("list_tags", {"Tags": [{"Key": "Project", "Value": "mobileml"}]}, {"ResourceArn": GROUP_ARN})
    result = run_module(model_package_info, {"group": GROUP})
    stub.assert_no_pending_responses()
    assert [p["version"] for p in result["model_packages"]] == [1, 2]
    assert result["model_packages"][1]["approval_status"] == "Approved"
    assert result["model_packages"][0]["metrics"] == {"accuracy": 0.95}
    assert result["model_packages"][0]["dataset"]["rows"] == 569
    assert result["group"]["tags"] == {"Project": "mobileml"}
    assert result["next_version"] == 3


def test_a_version_deleted_after_the_listing_is_left_out(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub)
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1), summary(2)]})
    stub.add_response("describe_model_package", described(1), {"ModelPackageName": arn(1)})
    stub.add_client_error("describe_model_package", "ResourceNotFound", f"Model package {arn(2)} not found", 400)
    stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": GROUP_ARN})
    result = run_module(model_package_info, {"group": GROUP})
    assert not result["failed"], result
    assert [p["version"] for p in result["model_packages"]] == [1]


def test_latest_approved_without_an_approved_version_is_refused_naming_the_group(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub)
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1)]})
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1)]})
    result = run_module(model_package_info, {"group": GROUP, "version": "latest_approved"})
    assert result["failed"]
    assert result["msg"] == f"model package group {GROUP} holds no Approved version"


def test_access_denied_fails_with_the_aws_error(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    stub.add_client_error("describe_model_package_group", "AccessDeniedException", "not authorized", 400)
    result = run_module(model_package_info, {"group": GROUP})
    assert result["failed"]
    assert f"Failed to list the versions of model package group {GROUP}" in result["msg"]
    assert result["error"]["code"] == "AccessDeniedException"
