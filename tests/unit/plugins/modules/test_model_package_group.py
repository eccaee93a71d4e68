"""model_package_group with botocore's Stubber.

The answers follow SageMaker's API reference (DescribeModelPackageGroup, ListModelPackages,
ListTags, DeleteModelPackage, DeleteModelPackageGroup, CreateModelPackageGroup): a missing group is
a ValidationException "ModelPackageGroup ... does not exist."; a version that is being deleted is
still listed for a while (ModelPackageStatus Deleting), which the offline AWS does not show.
"""

import datetime

from ansible_collections.mlops.aws_deploy.plugins.modules import model_package_group

GROUP = "mobileml-model"
ACCOUNT = "123456789012"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package-group/{GROUP}"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
LIST = {"ModelPackageGroupName": GROUP, "ModelPackageType": "Versioned"}
# DescribeModelPackageGroup's answer for the group.
DESCRIBED = {
    "ModelPackageGroupName": GROUP,
    "ModelPackageGroupArn": GROUP_ARN,
    "CreationTime": NOW,
    "CreatedBy": {},
    "ModelPackageGroupStatus": "Completed",
}


def arn(version):
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{GROUP}/{version}"


def summary(version, status="Approved", package_status="Completed"):
    return {
        "ModelPackageGroupName": GROUP,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn(version),
        "CreationTime": NOW,
        "ModelPackageStatus": package_status,
        "ModelApprovalStatus": status,
    }


def expect_group(stub, versions, tags=None):
    stub.add_response(
        "describe_model_package_group",
        DESCRIBED,
        {"ModelPackageGroupName": GROUP},
    )
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": versions}, LIST)
    stub.add_response(
        "list_tags", {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}, {"ResourceArn": GROUP_ARN}
    )


def expect_missing(stub):
    stub.add_client_error(
        "describe_model_package_group", "ValidationException", f"ModelPackageGroup {GROUP_ARN} does not exist.", 400
    )


def test_a_group_with_versions_is_not_deleted_unless_asked_and_the_error_names_them(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [summary(2), summary(1, "PendingManualApproval")])
    result = run_module(model_package_group, {"name": GROUP, "state": "absent"})
    stub.assert_no_pending_responses()  # no delete call was stubbed: none was made
    assert result["failed"]
    assert "2 version(s) (1, 2)" in result["msg"] and "delete_versions=true" in result["msg"], result["msg"]
    assert result["group"]["versions"] == [1, 2]


def test_delete_versions_deletes_every_version_oldest_first_then_the_group(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [summary(2), summary(1, "Rejected")])
    stub.add_response("delete_model_package", {}, {"ModelPackageName": arn(1)})
    stub.add_response("delete_model_package", {}, {"ModelPackageName": arn(2)})
    # SageMaker still lists a version while it is being deleted: the module waits for it to go.
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(2, package_status="Deleting")]}, LIST)
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": []}, LIST)
    stub.add_response("delete_model_package_group", {}, {"ModelPackageGroupName": GROUP})
    expect_missing(stub)  # read back
    result = run_module(model_package_group, {"name": GROUP, "state": "absent", "delete_versions": True}, diff=True)
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is True
    assert [v["version"] for v in result["plan"]["versions"]] == [1, 2]
    assert result["plan"]["group"] == "delete"
    assert result["group"] == {"name": GROUP, "exists": False}
    assert result["diff"]["before"]["versions"] == [1, 2] and result["diff"]["after"] == {
        "name": GROUP,
        "exists": False,
    }


def test_versions_still_listed_after_the_timeout_fail_without_deleting_the_group(
    stubbed_client, run_module, monkeypatch
):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [summary(1)])
    stub.add_response("delete_model_package", {}, {"ModelPackageName": arn(1)})
    stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1, package_status="Deleting")]}, LIST)
    result = run_module(
        model_package_group, {"name": GROUP, "state": "absent", "delete_versions": True, "wait_timeout": 0}
    )
    stub.assert_no_pending_responses()  # no delete_model_package_group
    assert result["failed"] and result["changed"] is True
    assert "still listed: [1]" in result["msg"], result["msg"]


def test_a_throttled_delete_is_retried(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [])
    stub.add_client_error("delete_model_package_group", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("delete_model_package_group", {}, {"ModelPackageGroupName": GROUP})
    expect_missing(stub)
    result = run_module(model_package_group, {"name": GROUP, "state": "absent"})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is True and result["plan"]["versions"] == []


def test_a_missing_group_is_already_absent(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_missing(stub)
    result = run_module(model_package_group, {"name": GROUP, "state": "absent", "delete_versions": True})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is False and result["group"] == {"name": GROUP, "exists": False}


def test_check_mode_plans_the_deletes_and_makes_no_call_that_changes(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [summary(1), summary(3)])
    result = run_module(
        model_package_group, {"name": GROUP, "state": "absent", "delete_versions": True}, check_mode=True
    )
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is True
    assert [v["model_package_arn"] for v in result["plan"]["versions"]] == [arn(1), arn(3)]
    assert result["group"]["exists"] is False


def test_present_creates_a_missing_group_with_its_tags(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_missing(stub)
    stub.add_response(
        "create_model_package_group",
        {"ModelPackageGroupArn": GROUP_ARN},
        {
            "ModelPackageGroupName": GROUP,
            "ModelPackageGroupDescription": "versions",
            "Tags": [{"Key": "Project", "Value": "mobileml"}],
        },
    )
    stub.add_response(
        "describe_model_package_group",
        DESCRIBED,
        {"ModelPackageGroupName": GROUP},
    )
    expect_group(stub, [], {"Project": "mobileml"})  # read back
    result = run_module(
        model_package_group, {"name": GROUP, "description": "versions", "tags": {"Project": "mobileml"}}
    )
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is True and result["plan"]["group"] == "create"
    assert result["group"]["tags"] == {"Project": "mobileml"} and result["group"]["exists"] is True


def test_present_on_an_existing_group_changes_only_its_tags_and_then_nothing(stubbed_client, run_module):
    _client, stub = stubbed_client("sagemaker")
    expect_group(stub, [summary(1)], {"Project": "mobileml", "Old": "x"})
    stub.add_response("delete_tags", {}, {"ResourceArn": GROUP_ARN, "TagKeys": ["Old"]})
    expect_group(stub, [summary(1)], {"Project": "mobileml"})
    result = run_module(model_package_group, {"name": GROUP, "tags": {"Project": "mobileml"}})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is True and result["plan"]["tags"] == {"add": {}, "remove": ["Old"]}

    expect_group(stub, [summary(1)], {"Project": "mobileml"})
    again = run_module(model_package_group, {"name": GROUP, "tags": {"Project": "mobileml"}})
    stub.assert_no_pending_responses()
    assert again["changed"] is False and again["group"]["versions"] == [1]


def test_a_negative_wait_timeout_is_refused_naming_the_field(stubbed_client, run_module):
    stubbed_client("sagemaker")
    result = run_module(model_package_group, {"name": GROUP, "state": "absent", "wait_timeout": -1})
    assert result["failed"] and result["msg"].startswith("wait_timeout: -1"), result["msg"]
