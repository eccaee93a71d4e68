"""The real chain: backend-api in front of a real ml-model-service process."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

import httpx
import pytest
from api_helpers import API_KEY, SERVICE_ROOT, free_port

ML_ROOT = SERVICE_ROOT.parent / "ml-model-service"


@pytest.fixture(scope="module")
def ml_service(tmp_path_factory):
    if not (ML_ROOT / "ml_model_service").is_dir():
        pytest.skip("ml-model-service is not beside backend-api")
    if not all(importlib.util.find_spec(m) for m in ("onnxruntime", "sklearn", "skl2onnx")):
        pytest.skip("ml-model-service's dependencies are not installed (backend-only environment)")
    work = tmp_path_factory.mktemp("chain")
    env = {**os.environ, "PYTHONPATH": str(ML_ROOT)}
    subprocess.run(
        [sys.executable, "-m", "ml_model_service.training.train", "--output", str(work), "--n-estimators", "5",
         "--version", "chain-1"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    port = free_port()
    log_path = work / "ml.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ml_model_service"],
            env={**env, "MODEL_URI": str(work / "model.tar.gz"), "PORT": str(port), "HOST": "127.0.0.1"},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(log_path.read_text())
            time.sleep(0.1)
        yield {"url": url, "proc": proc, "log": log_path}
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


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
