"""model_promote_info (and model_promote's deprecated state=history) with botocore's Stubber.

The answers follow the S3 API reference (ListObjectsV2, GetObject) and SSM's (GetParameter, and
its documented ParameterNotFound for an environment nothing was promoted to).
"""

import io
import json

from botocore.response import StreamingBody

from ansible_collections.mlops.aws_deploy.plugins.modules import model_promote
from ansible_collections.mlops.aws_deploy.plugins.modules import model_promote_info

PREFIX = "models/promotions/prod/"
KEYS = [f"{PREFIX}20261101T100000000000Z-6.json", f"{PREFIX}20261102T100000000000Z-7.json"]
POINTER = {"version": "7", "uri": "s3://b/models/7/model.tar.gz", "sha256": "7" * 64,
           "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/7",
           "promoted_at": "2026-11-02T10:00:00.000000Z", "promoted_by": "alice"}


def body(data):
    raw = json.dumps(data).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def expect_records(s3_stub, keys):
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": len(keys),
                                             "Contents": [{"Key": k, "Size": 100} for k in keys]},
                         {"Bucket": "b", "Prefix": PREFIX})
    for key in reversed(keys):
        version = key.rsplit("-", 1)[1].split(".")[0]
        s3_stub.add_response("get_object", {"Body": body({"action": "promote", "version": version})},
                             {"Bucket": "b", "Key": key})


def test_the_history_comes_newest_first_with_the_live_pointer(stubbed_client, run_module):
    _s3, s3_stub = stubbed_client("s3")
    _ssm, ssm_stub = stubbed_client("ssm")
    expect_records(s3_stub, KEYS)
    ssm_stub.add_response("get_parameter", {"Parameter": {"Name": "/mobileml/prod/model-version", "Type": "String",
                                                          "Value": json.dumps(POINTER), "Version": 2}},
                          {"Name": "/mobileml/prod/model-version"})
    result = run_module(model_promote_info, {"environment": "prod", "bucket": "b", "app": "mobileml"})
    s3_stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert not result["changed"]
    assert [r["version"] for r in result["history"]] == ["7", "6"]
    assert result["history"][0]["key"] == KEYS[1]
    assert result["pointer"] == POINTER


def test_limit_keeps_the_newest_records_and_no_app_reads_no_pointer(stubbed_client, run_module):
    _s3, s3_stub = stubbed_client("s3")
    stubbed_client("ssm")  # no answer queued: a GetParameter would fail the test
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 2,
                                             "Contents": [{"Key": k, "Size": 100} for k in KEYS]})
    s3_stub.add_response("get_object", {"Body": body({"action": "promote", "version": "7"})},
                         {"Bucket": "b", "Key": KEYS[1]})
    result = run_module(model_promote_info, {"environment": "prod", "bucket": "b", "limit": 1})
    assert not result["failed"], result
    assert [r["version"] for r in result["history"]] == ["7"]
    assert result["pointer"] is None


def test_an_environment_never_promoted_to_has_no_history_and_an_empty_pointer(stubbed_client, run_module):
    _s3, s3_stub = stubbed_client("s3")
    _ssm, ssm_stub = stubbed_client("ssm")
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0})
    ssm_stub.add_client_error("get_parameter", "ParameterNotFound", "", 400)
    result = run_module(model_promote_info, {"environment": "prod", "bucket": "b", "app": "mobileml"})
    assert not result["failed"], result
    assert result["history"] == [] and result["pointer"] == {}


def test_a_negative_limit_is_refused_before_any_call(stubbed_client, run_module):
    stubbed_client("s3")
    result = run_module(model_promote_info, {"environment": "prod", "bucket": "b", "limit": -1})
    assert result["failed"] and result["msg"].startswith("limit: -1 is negative")


def test_a_record_that_is_not_json_is_named(stubbed_client, run_module):
    _s3, s3_stub = stubbed_client("s3")
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 1, "Contents": [{"Key": KEYS[0]}]})
    s3_stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"{oops"), 5)})
    result = run_module(model_promote_info, {"environment": "prod", "bucket": "b"})
    assert result["failed"]
    assert result["msg"] == f"promotion record s3://b/{KEYS[0]} is not JSON"


def test_model_promote_state_history_still_works_and_says_it_is_deprecated(stubbed_client, run_module):
    _s3, s3_stub = stubbed_client("s3")
    stubbed_client("sagemaker")
    stubbed_client("ssm")
    expect_records(s3_stub, KEYS)
    result = run_module(model_promote, {"group": "mobileml-model", "environment": "prod", "app": "mobileml",
                                        "bucket": "b", "state": "history"})
    assert not result["failed"], result
    assert [r["version"] for r in result["history"]] == ["7", "6"]
    # ansible-core 2.19's shape of a deprecation in a module's result (other in-process runs may add theirs).
    (deprecation,) = [d for d in result["deprecations"] if "state=history" in d["event"]["msg"]]
    assert "model_promote_info" in deprecation["event"]["msg"]
    assert deprecation["version"] == "2.0.0"
    assert deprecation["deprecator"]["resolved_name"] == "mlops.aws_deploy"
