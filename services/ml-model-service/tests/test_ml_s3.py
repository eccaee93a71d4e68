"""Loading from s3:// through a moto server, and following an SSM model pointer."""

from __future__ import annotations

import asyncio
import json

import boto3
import pytest
from ml_helpers import tampered_copy
from ml_model_service.bundle import BundleError, fetch_bundle
from ml_model_service.runtime import Runtime


@pytest.fixture
def bucket(aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models")
    return s3


def upload(s3, bundle_path, key):
    s3.put_object(Bucket="models", Key=key, Body=bundle_path.read_bytes())
    return f"s3://models/{key}"


def sha(bundle_dir):
    return json.loads((bundle_dir / "metadata.json").read_text())["model_sha256"]


def test_fetch_bundle_from_s3_key_and_prefix(bucket, bundles):
    uri = upload(bucket, bundles["v1"] / "model.tar.gz", "m/1/model.tar.gz")
    assert fetch_bundle(uri)[1]["version"] == "1"
    assert fetch_bundle("s3://models/m/1/")[1]["version"] == "1"
    with pytest.raises(BundleError, match="cannot download"):
        fetch_bundle("s3://models/m/404/model.tar.gz")


def test_service_starts_from_s3(bucket, bundles, client_for, sample_rows):
    uri = upload(bucket, bundles["v1"] / "model.tar.gz", "m/1/model.tar.gz")
    client = client_for(model_uri=uri, model_sha256=sha(bundles["v1"]))
    body = client.post("/predict", json={"features": sample_rows[0]}).json()
    assert body["model_version"] == "1"
    assert client.get("/metadata").json()["uri"] == uri


def test_ssm_pointer_is_followed_and_bad_pointers_are_refused(bucket, bundles, tmp_path):
    from ml_helpers import make_settings

    v1 = upload(bucket, bundles["v1"] / "model.tar.gz", "m/1/model.tar.gz")
    v2 = upload(bucket, bundles["v2"] / "model.tar.gz", "m/2/model.tar.gz")
    bad = upload(bucket, tampered_copy(bundles["v2"], tmp_path), "m/3/model.tar.gz")
    ssm = boto3.client("ssm")

    def point(version, uri, digest):
        value = json.dumps({"version": version, "uri": uri, "sha256": digest})
        ssm.put_parameter(Name="/app/dev/model", Value=value, Type="String", Overwrite=True)

    point("1", v1, sha(bundles["v1"]))
    runtime = Runtime(make_settings(model_ssm_parameter="/app/dev/model", model_poll_seconds=0.1))
    runtime.load_initial()  # MODEL_URI not set explicitly: the pointer decides
    assert runtime.holder.model.version == "1"

    assert asyncio.run(runtime.check_pointer()) is None  # unchanged pointer: nothing to do
    point("2", v2, sha(bundles["v2"]))
    status = asyncio.run(runtime.check_pointer())
    assert status["version"] == "2" and status["source"] == "ssm"
    assert runtime.holder.model.version == "2"

    point("3", bad, sha(bundles["v2"]))
    assert asyncio.run(runtime.check_pointer()) is None
    assert runtime.holder.model.version == "2"
    assert runtime.holder.last_reload["status"] == "failed"
    assert runtime.holder.last_reload["integrity"] is True
    # the same rejected pointer is not downloaded again on the next poll
    runtime.holder.last_reload = None
    assert asyncio.run(runtime.check_pointer()) is None and runtime.holder.last_reload is None


def test_poller_swaps_a_running_app(bucket, bundles, client_for, sample_rows):
    import time

    ssm = boto3.client("ssm")
    v1 = upload(bucket, bundles["v1"] / "model.tar.gz", "m/1/model.tar.gz")
    v2 = upload(bucket, bundles["v2"] / "model.tar.gz", "m/2/model.tar.gz")
    ssm.put_parameter(Name="/p", Type="String", Value=json.dumps({"version": "1", "uri": v1}))
    client = client_for(model_ssm_parameter="/p", model_poll_seconds=0.1)
    assert client.get("/ready").json()["model_version"] == "1"
    ssm.put_parameter(
        Name="/p",
        Type="String",
        Overwrite=True,
        Value=json.dumps({"version": "2", "uri": v2, "sha256": sha(bundles["v2"])}),
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and client.get("/ready").json()["model_version"] != "2":
        time.sleep(0.1)
    assert client.post("/predict", json={"features": sample_rows[0]}).json()["model_version"] == "2"
