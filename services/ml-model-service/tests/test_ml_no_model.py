"""A fresh environment: the pointer is still the placeholder when the service starts.

The model_store role seeds the pointer with ``{"version": "none"}`` until a version is promoted.
The service must start anyway (liveness 200), say it is not ready and why (readiness 503), answer
every prediction route 503 in its protocol's error shape (never a 500, never an exit), and load the
first version promoted by itself from its pointer polling.
"""

from __future__ import annotations

import json
import time

import boto3
import httpx
import pytest

PARAMETER = "/app/prod/model-version"
PLACEHOLDER = '{"version": "none"}'


@pytest.fixture
def placeholder_pointer(aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="models")
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=PARAMETER, Value=PLACEHOLDER, Type="String")
    return s3, ssm


def promote(s3, ssm, bundle_dir, version: str) -> None:
    key = f"m/{version}/model.tar.gz"
    s3.put_object(Bucket="models", Key=key, Body=(bundle_dir / "model.tar.gz").read_bytes())
    digest = json.loads((bundle_dir / "metadata.json").read_text())["model_sha256"]
    value = json.dumps({"version": version, "uri": f"s3://models/{key}", "sha256": digest})
    ssm.put_parameter(Name=PARAMETER, Value=value, Type="String", Overwrite=True)


def assert_not_ready(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] == "model_not_ready"
    assert PARAMETER in error["message"] and "no model version is promoted" in error["message"]
    assert response.headers["retry-after"] == "1"


def test_placeholder_pointer_starts_unready_and_serves_the_first_promotion(
    placeholder_pointer, start_server, bundles, sample_rows
):
    s3, ssm = placeholder_pointer
    server = start_server({"MODEL_SSM_PARAMETER": PARAMETER, "MODEL_POLL_SECONDS": "0.2", "ACCESS_LOG": "false"},
                          wait=False)  # fmt: skip
    server.wait_ready("/health")  # liveness: the process started although no model is promoted
    row = sample_rows[0]
    with httpx.Client(base_url=server.url, timeout=5) as http:
        assert http.get("/health").json()["status"] == "ok"
        assert http.get("/v2/health/live").status_code == 200
        assert_not_ready(http.get("/ready"))
        assert_not_ready(http.get("/ping"))
        assert_not_ready(http.post("/predict", json={"features": row}))
        assert_not_ready(http.post("/predict/batch", json={"instances": [row, row]}))
        assert_not_ready(http.post("/invocations", json={"instances": [row]}))
        assert http.get("/v2/health/ready").status_code == 503
        infer = {"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 30], "data": row}]}
        v2 = http.post("/v2/models/model/infer", json=infer)
        assert v2.status_code == 503 and isinstance(v2.json()["error"], str), v2.text
        assert "no model version is promoted" in v2.json()["error"]
        assert http.get("/v2/models/model/ready").status_code == 503
        assert server.proc.poll() is None  # still running after all of that

        promote(s3, ssm, bundles["v1"], "1")
        deadline = time.monotonic() + 20
        ready = http.get("/ready")
        while ready.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
            ready = http.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["model_version"] == "1"
        answer = http.post("/predict", json={"features": row})
        assert answer.status_code == 200 and answer.json()["model_version"] == "1"
        assert http.get("/v2/health/ready").status_code == 200
        assert http.get("/metadata").json()["last_reload"]["source"] == "ssm"


def test_a_pointer_that_is_neither_a_model_nor_the_placeholder_still_stops_the_start(aws_env, client_for):
    """Only the placeholder means "nothing promoted yet"; a broken pointer is a broken deployment."""
    boto3.client("ssm").put_parameter(Name=PARAMETER, Value='{"version": "3"}', Type="String")
    with pytest.raises(Exception, match="must hold"):
        client_for(model_ssm_parameter=PARAMETER)


def test_placeholder_reason_names_the_last_failed_load(placeholder_pointer, client_for, bundles, tmp_path):
    """A first promotion whose bundle fails verification: still not ready, and the reason says why."""
    from ml_helpers import tampered_copy

    s3, ssm = placeholder_pointer
    client = client_for(model_ssm_parameter=PARAMETER, model_poll_seconds=0.1)
    assert_not_ready(client.get("/ready"))
    bad = tampered_copy(bundles["v2"], tmp_path)
    s3.put_object(Bucket="models", Key="m/2/model.tar.gz", Body=bad.read_bytes())
    value = json.dumps({"version": "2", "uri": "s3://models/m/2/model.tar.gz"})
    ssm.put_parameter(Name=PARAMETER, Value=value, Type="String", Overwrite=True)
    deadline = time.monotonic() + 15
    response = client.get("/ready")
    while "version 2" not in response.json()["error"]["message"] and time.monotonic() < deadline:
        time.sleep(0.1)
        response = client.get("/ready")
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "loading version 2 from s3://models/m/2/model.tar.gz failed" in message and "sha256" in message, message
    assert client.post("/predict", json={"features": [1.0] * 30}).status_code == 503
