"""model_package with botocore's Stubber: what the offline AWS cannot show on demand.

Throttling, a version deleted between the listing and its describe, a concurrent registration
that claims our version number, and a tampered bundle refused before any AWS call.
"""

import datetime
import hashlib
import io
import json
import tarfile

import pytest
from botocore.stub import ANY

from ansible_collections.mlops.aws_deploy.plugins.modules import model_package

GROUP = "mobileml-model"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:model-package-group/{GROUP}"
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)


def package_arn(version):
    return f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/{version}"


def make_bundle(path, seed="1", tamper=False):
    model = f"fake onnx {seed}".encode()
    metadata = {
        "version": seed, "created_at": "2026-11-01T00:00:00Z", "model_type": "rf",
        "dataset": {"sha256": "d" * 64, "rows": 10, "source": "unit"},
        "metrics": {"accuracy": 0.95, "roc_auc": 0.98},
        "feature_names": ["a"], "classes": [0, 1],
        "model_sha256": "0" * 64 if tamper else hashlib.sha256(model).hexdigest(),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in (("model.onnx", model), ("metadata.json", json.dumps(metadata).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return hashlib.sha256(model).hexdigest()


def described(version, sha, status="PendingManualApproval"):
    return {
        "ModelPackageName": GROUP, "ModelPackageGroupName": GROUP, "ModelPackageVersion": version,
        "ModelPackageArn": package_arn(version), "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []}, "ModelApprovalStatus": status, "CreationTime": NOW,
        "CustomerMetadataProperties": {"model_sha256": sha, "metrics.accuracy": "0.95"},
        "InferenceSpecification": {
            "Containers": [{"Image": "img:1", "ModelDataUrl": f"s3://b/models/{version}/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"], "SupportedResponseMIMETypes": ["application/json"],
        },
    }


def summary(version, status="PendingManualApproval"):
    return {"ModelPackageGroupName": GROUP, "ModelPackageVersion": version, "ModelPackageArn": package_arn(version),
            "CreationTime": NOW, "ModelPackageStatus": "Completed", "ModelApprovalStatus": status}


def group_response():
    return {"ModelPackageGroupName": GROUP, "ModelPackageGroupArn": GROUP_ARN, "CreationTime": NOW,
            "CreatedBy": {}, "ModelPackageGroupStatus": "Completed"}


STORE_FILES = ("model.tar.gz", "metadata.json", "evaluation.json", "baseline.json")


def expect_free_keys(s3_stub, version):
    for name in STORE_FILES:
        s3_stub.add_client_error("head_object", "404", "Not Found", 404,
                                 expected_params={"Bucket": "b", "Key": f"models/{version}/{name}"})


def expect_uploads(s3_stub, version, metadata):
    for name in STORE_FILES:
        s3_stub.add_response("put_object", {}, {"Bucket": "b", "Key": f"models/{version}/{name}", "Body": ANY,
                                                "ContentType": ANY, "Metadata": metadata, "IfNoneMatch": "*"})


ARGS = {"group": GROUP, "bucket": "b", "image": "img:1"}


def test_tampered_bundle_is_refused_before_any_aws_call(run_module, stubbed_client, tmp_path):
    make_bundle(tmp_path / "model.tar.gz", tamper=True)
    stubbed_client("sagemaker")  # no responses queued: any call would fail the test
    stubbed_client("s3")
    result = run_module(model_package, dict(ARGS, bundle=str(tmp_path / "model.tar.gz")))
    assert result["failed"]
    assert "Refusing to register" in result["msg"]
    assert "sha256 of model.onnx" in result["msg"]
    assert not result.get("changed")


def test_throttling_is_retried_and_a_version_deleted_under_our_feet_is_skipped(run_module, stubbed_client, tmp_path):
    sha = make_bundle(tmp_path / "model.tar.gz", seed="3")
    sm, sm_stub = stubbed_client("sagemaker")
    s3, s3_stub = stubbed_client("s3")
    sm_stub.add_response("describe_model_package_group", group_response(), {"ModelPackageGroupName": GROUP})
    sm_stub.add_client_error("list_model_packages", "ThrottlingException", "Rate exceeded", 400)
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1), summary(2)]})
    # Version 2 was deleted after the listing: it cannot be the model we register.
    sm_stub.add_client_error("describe_model_package", "ValidationException",
                             f"Model package {package_arn(2)} not found", 400,
                             expected_params={"ModelPackageName": package_arn(2)})
    sm_stub.add_response("describe_model_package", described(1, "f" * 64), {"ModelPackageName": package_arn(1)})
    sm_stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": GROUP_ARN})
    expect_free_keys(s3_stub, 3)
    expect_uploads(s3_stub, 3, {"model-sha256": sha, "bundle-sha256": ANY})
    sm_stub.add_response("create_model_package", {"ModelPackageArn": package_arn(3)})
    sm_stub.add_response("describe_model_package", described(3, sha), {"ModelPackageName": package_arn(3)})
    sm_stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": GROUP_ARN})
    sm_stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": package_arn(3)})

    result = run_module(model_package, dict(ARGS, bundle=str(tmp_path / "model.tar.gz")))

    assert not result["failed"], result
    assert result["changed"]
    assert result["model_package"]["version"] == 3
    assert result["model_package"]["model_sha256"] == sha
    sm_stub.assert_no_pending_responses()
    s3_stub.assert_no_pending_responses()


def test_a_concurrent_registration_that_claimed_our_number_moves_us_to_the_next(run_module, stubbed_client, tmp_path):
    sha = make_bundle(tmp_path / "model.tar.gz", seed="3")
    sm, sm_stub = stubbed_client("sagemaker")
    s3, s3_stub = stubbed_client("s3")
    sm_stub.add_response("describe_model_package_group", group_response())
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": []})
    sm_stub.add_response("list_tags", {"Tags": []})
    expect_free_keys(s3_stub, 1)
    # Between our plan and our write, another registration wrote models/1/model.tar.gz.
    s3_stub.add_client_error("put_object", "PreconditionFailed", "At least one of the pre-conditions failed", 412)
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1)]})
    expect_free_keys(s3_stub, 2)
    expect_uploads(s3_stub, 2, ANY)
    sm_stub.add_response("create_model_package", {"ModelPackageArn": package_arn(2)})
    sm_stub.add_response("describe_model_package", described(2, sha))
    sm_stub.add_response("list_tags", {"Tags": []})
    sm_stub.add_response("list_tags", {"Tags": []})

    # The bundle says version 3, so only version_check=false lets it move to the next free number.
    result = run_module(model_package, dict(ARGS, bundle=str(tmp_path / "model.tar.gz"), version_check=False))

    assert not result["failed"], result
    assert result["model_package"]["version"] == 2
    assert result["plan"]["version"]["version"] == 2
    s3_stub.assert_no_pending_responses()


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_same_model_again_changes_nothing(run_module, stubbed_client, tmp_path, check_mode):
    sha = make_bundle(tmp_path / "model.tar.gz", seed="4")
    sm, sm_stub = stubbed_client("sagemaker")
    stubbed_client("s3")  # nothing is read or written in the model store
    sm_stub.add_response("describe_model_package_group", group_response())
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1), summary(2)]})
    sm_stub.add_response("describe_model_package", described(2, "e" * 64))
    sm_stub.add_response("describe_model_package", described(1, sha))
    sm_stub.add_response("list_tags", {"Tags": []})
    sm_stub.add_response("list_tags", {"Tags": []})
    if not check_mode:
        sm_stub.add_response("list_tags", {"Tags": []})
        sm_stub.add_response("list_tags", {"Tags": []})

    result = run_module(model_package, dict(ARGS, bundle=str(tmp_path / "model.tar.gz")), check_mode=check_mode)

    assert not result["failed"], result
    assert not result["changed"]
    assert result["model_package"]["version"] == 1
    sm_stub.assert_no_pending_responses()


def test_a_bundle_trained_for_another_version_is_refused(run_module, stubbed_client, tmp_path):
    make_bundle(tmp_path / "model.tar.gz", seed="1")
    sm, sm_stub = stubbed_client("sagemaker")
    stubbed_client("s3")  # nothing is written
    sm_stub.add_response("describe_model_package_group", group_response())
    sm_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(1)]})
    sm_stub.add_response("describe_model_package", described(1, "e" * 64))
    sm_stub.add_response("list_tags", {"Tags": []})

    result = run_module(model_package, dict(ARGS, bundle=str(tmp_path / "model.tar.gz")))

    assert result["failed"]
    assert "declares version 1 but would be registered as version 2" in result["msg"]
    assert "--version 2" in result["msg"]
