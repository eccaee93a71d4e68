"""The real chain: backend-api in front of a real ml-model-service process."""

from __future__ import annotations

import time

from api_helpers import API_KEY


def test_chain_prediction_and_request_id_through_both_services(client_for, ml_service):
    client = client_for(ml_service_url=ml_service["url"])
    headers = {"X-API-Key": API_KEY, "X-Request-ID": "chain-req-1"}
    response = client.post("/api/predict", json={"features": [10.0] * 30}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["model_version"] == "chain-1"
    assert response.headers["x-request-id"] == "chain-req-1"
    batch = client.post("/api/predict/batch", json={"instances": [[10.0] * 30] * 4}, headers=headers)
    assert batch.json()["count"] == 4
    bad = client.post("/api/predict", json={"features": [1.0, "x"]}, headers={**headers, "X-Request-ID": "chain-bad"})
    assert bad.status_code == 422
    assert bad.json()["request_id"] == "chain-bad" and bad.json()["error"]["field"] == "features"
    deadline = time.monotonic() + 5
    while '"chain-req-1"' not in ml_service["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the ML service writes its access log in batches
    assert '"chain-req-1"' in ml_service["log"].read_text()


def test_chain_with_the_ml_service_stopped(client_for, ml_service):
    client = client_for(ml_service_url=ml_service["url"], ml_retries=1)
    assert client.post("/api/predict", json={"features": [1.0] * 30}, headers={"X-API-Key": API_KEY}).status_code == 200
    ml_service["proc"].terminate()
    ml_service["proc"].wait(timeout=10)
    response = client.post("/api/predict", json={"features": [1.0] * 30}, headers={"X-API-Key": API_KEY})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_unavailable"


def test_chain_with_no_model_promoted_yet_is_503_model_not_ready(client_for, aws_env, tmp_path):
    """A fresh environment: the ML service runs on the placeholder pointer; the backend says so, 503."""
    import os
    import subprocess
    import sys

    import boto3
    import httpx
    from api_helpers import free_port
    from conftest import ML_ROOT

    boto3.client("ssm").put_parameter(Name="/app/prod/model-version", Value='{"version": "none"}', Type="String")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ML_ROOT), "PORT": str(port), "HOST": "127.0.0.1",
           "MODEL_SSM_PARAMETER": "/app/prod/model-version", "ACCESS_LOG": "false"}  # fmt: skip
    log_path = tmp_path / "ml.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ml_model_service"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(log_path.read_text())
            time.sleep(0.1)
        client = client_for(ml_service_url=url, ml_retries=1)
        headers = {"X-API-Key": API_KEY, "X-Request-ID": "fresh-1"}
        for path, body in (
            ("/api/predict", {"features": [1.0] * 30}),
            ("/api/predict/batch", {"instances": [[1.0] * 30]}),
        ):
            response = client.post(path, json=body, headers=headers)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "model_not_ready" and "no model version is promoted" in error["message"]
            assert response.json()["request_id"] == "fresh-1" and response.headers["retry-after"] == "30"
        assert client.get("/ready").status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=10)
