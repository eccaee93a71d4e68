"""model_promote with botocore's Stubber, for what the offline AWS cannot show on demand.

Approval conflicts (a ConflictException from SageMaker, a Rejected version), throttling, a
version deleted between the listing and its describe, and a failure half-way through a promotion
(the steps already done are undone). The gate grammar: tests/unit/plugins/module_utils/test_promotion.py.
"""

import datetime

import pytest
from botocore.stub import ANY

from ansible_collections.mlops.aws_deploy.plugins.modules import model_promote

GROUP = "mobileml-model"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
POINTER = "/mobileml/dev/model-version"
ARGS = {"group": GROUP, "environment": "dev", "app": "mobileml", "bucket": "b", "version": "2",
        "promoted_by": "unit", "verify_artifact": False}


def arn(version):
    return f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/{version}"


def summary(version, status="PendingManualApproval"):
    return {"ModelPackageGroupName": GROUP, "ModelPackageVersion": version, "ModelPackageArn": arn(version),
            "CreationTime": NOW, "ModelPackageStatus": "Completed", "ModelApprovalStatus": status}


def described(version, status="PendingManualApproval", accuracy="0.95"):
    return {
        "ModelPackageName": GROUP, "ModelPackageGroupName": GROUP, "ModelPackageVersion": version,
        "ModelPackageArn": arn(version), "ModelPackageStatus": "Completed", "CreationTime": NOW,
        "ModelPackageStatusDetails": {"ValidationStatuses": []}, "ModelApprovalStatus": status,
        "CustomerMetadataProperties": {"model_sha256": f"{version}" * 64, "metrics.accuracy": accuracy},
        "InferenceSpecification": {
            "Containers": [{"Image": "img:1", "ModelDataUrl": f"s3://b/models/{version}/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"], "SupportedResponseMIMETypes": ["application/json"],
        },
    }


def expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub, status="PendingManualApproval"):
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1), summary(2, status)]})
    sm_stub.add_response("describe_model_package", described(2, status), {"ModelPackageName": arn(2)})
    ssm_stub.add_client_error("get_parameter", "ParameterNotFound", "not found", 400)
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0},
                         {"Bucket": "b", "Prefix": "models/promotions/dev/"})
    s3_stub.add_client_error("head_object", "404", "Not Found", 404,
                             expected_params={"Bucket": "b", "Key": "models/latest/dev/model.tar.gz"})


@pytest.fixture
def clients(stubbed_client):
    sm, sm_stub = stubbed_client("sagemaker")
    s3, s3_stub = stubbed_client("s3")
    ssm, ssm_stub = stubbed_client("ssm")
    yield sm_stub, s3_stub, ssm_stub
    for stub in (sm_stub, s3_stub, ssm_stub):
        stub.assert_no_pending_responses()


def test_throttled_calls_are_retried_and_the_promotion_goes_through(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    sm_stub.add_client_error("list_model_packages", "ThrottlingException", "Rate exceeded", 400)
    ssm_stub.add_client_error("get_parameter", "ThrottlingException", "Rate exceeded", 400)
    expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub)
    sm_stub.add_client_error("update_model_package", "ThrottlingException", "Rate exceeded", 400)
    sm_stub.add_response("update_model_package", {"ModelPackageArn": arn(2)},
                         {"ModelPackageArn": arn(2), "ModelApprovalStatus": "Approved", "ApprovalDescription": ANY})
    for name in ("model.tar.gz", "metadata.json"):
        s3_stub.add_response("copy_object", {}, {"Bucket": "b", "Key": f"models/latest/dev/{name}",
                                                 "MetadataDirective": "COPY",
                                                 "CopySource": {"Bucket": "b", "Key": f"models/2/{name}"}})
    ssm_stub.add_response("put_parameter", {"Version": 1}, {"Name": POINTER, "Value": ANY, "Type": "String",
                                                            "Description": ANY})
    s3_stub.add_response("put_object", {}, {"Bucket": "b", "Key": ANY, "Body": ANY, "ContentType": "application/json",
                                            "Metadata": {}, "IfNoneMatch": "*"})
    sm_stub.add_response("describe_model_package", described(2, "Approved"))

    result = run_module(model_promote, ARGS)

    assert not result["failed"], result
    assert result["changed"]
    assert result["pointer"]["after"]["version"] == "2"
    assert result["pointer"]["after"]["sha256"] == "2" * 64
    assert result["record"]["previous_version"] is None
    assert result["record"]["lineage"] == ["2"]
    assert result["model_package"]["approval_status"] == "Approved"


def test_an_approval_conflict_fails_before_anything_else_moves(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub)
    # Someone else is changing the version's approval at the same moment.
    sm_stub.add_client_error("update_model_package", "ConflictException",
                             "There was a conflict when you attempted to modify a SageMaker entity", 400)

    result = run_module(model_promote, ARGS)

    assert result["failed"]
    assert "Failed to set the approval status while making version 2 live in dev" in result["msg"]
    assert result["rolled_back"] == []
    assert not result["changed"]  # no copy_object, put_parameter or record: the stubs hold none


def test_a_failing_pointer_write_undoes_the_alias_and_the_approval(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub)
    sm_stub.add_response("update_model_package", {"ModelPackageArn": arn(2)})
    s3_stub.add_response("copy_object", {})
    s3_stub.add_response("copy_object", {})
    ssm_stub.add_client_error("put_parameter", "AccessDeniedException", "not allowed", 400)
    for name in ("model.tar.gz", "metadata.json"):
        s3_stub.add_response("delete_object", {}, {"Bucket": "b", "Key": f"models/latest/dev/{name}"})
    sm_stub.add_response("update_model_package", {"ModelPackageArn": arn(2)},
                         {"ModelPackageArn": arn(2), "ModelApprovalStatus": "PendingManualApproval"})

    result = run_module(model_promote, ARGS)

    assert result["failed"]
    assert "Failed to write the pointer" in result["msg"]
    assert result["rolled_back"] == ["alias", "approval"]
    assert not result["changed"]


def test_a_version_deleted_under_our_feet_is_named(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1), summary(2)]})
    sm_stub.add_client_error("describe_model_package", "ValidationException", f"Model package {arn(2)} not found", 400)

    result = run_module(model_promote, ARGS)

    assert result["failed"]
    assert f"model package {arn(2)} no longer exists" in result["msg"]
    assert not result["changed"]


def test_a_rejected_version_is_never_promoted(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub, status="Rejected")

    result = run_module(model_promote, ARGS)

    assert result["failed"]
    assert "a Rejected version is never promoted" in result["msg"]
    assert [row["passed"] for row in result["gates"] if row["kind"] == "status"] == [False]


def test_check_mode_reports_the_plan_without_a_mutating_call(run_module, clients):
    sm_stub, s3_stub, ssm_stub = clients
    expect_read_of_an_empty_dev(sm_stub, s3_stub, ssm_stub)

    result = run_module(model_promote, dict(ARGS, gates={"metrics": ["accuracy >= 0.9"]}), check_mode=True, diff=True)

    assert not result["failed"], result
    assert result["changed"]
    assert result["plan"]["approval"] == {"from": "PendingManualApproval", "to": "Approved"}
    assert result["plan"]["pointer"] == {"name": POINTER, "from_version": None, "to_version": "2"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["version"] == "2"
    assert [row["passed"] for row in result["gates"]] == [True, True]
