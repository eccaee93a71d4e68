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
