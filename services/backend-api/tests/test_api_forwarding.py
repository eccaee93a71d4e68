"""Forwarding to the ML service: auth, request ids, and the error mapping when it misbehaves."""

from __future__ import annotations

import json
import time

import pytest
from api_helpers import API_KEY, free_port

FEATURES = {"features": [1.0] * 30}
AUTH = {"X-API-Key": API_KEY}


def test_health_needs_no_key_and_no_upstream(client_for):
    client = client_for(ml_service_url=f"http://127.0.0.1:{free_port()}")
    assert client.get("/health").json() == {"status": "ok"}


def test_predict_forwards_and_keeps_the_model_version(client, stub_ml):
    response = client.post("/api/predict", json=FEATURES, headers={**AUTH, "X-Request-ID": "req-42"})
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "stub-7" and body["prediction"] == 1
    assert response.headers["x-request-id"] == "req-42"
    assert body["seen_request_id"] == "req-42"  # propagated to the ML service
    call = stub_ml.calls[-1]
    assert call["path"] == "/predict" and json.loads(call["body"]) == FEATURES
    assert call["headers"]["content-type"] == "application/json"


def test_request_id_is_generated_when_absent(client, stub_ml):
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    generated = response.headers["x-request-id"]
    assert len(generated) == 32 and stub_ml.calls[-1]["headers"]["x-request-id"] == generated


def test_batch_forwards_to_the_batch_endpoint(client, stub_ml):
    response = client.post("/api/predict/batch", json={"instances": [[1.0] * 30] * 3}, headers=AUTH)
    assert response.status_code == 200 and stub_ml.calls[-1]["path"] == "/predict/batch"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": API_KEY + "x"}])
def test_missing_or_wrong_key_is_401(client, stub_ml, headers):
    response = client.post("/api/predict", json=FEATURES, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized" and response.json()["error"]["field"] == "x-api-key"
    assert stub_ml.calls == []


def test_ml_service_down_is_503(client_for):
    client = client_for(ml_service_url=f"http://127.0.0.1:{free_port()}", ml_retries=1)
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert "Traceback" not in response.text
    assert client.get("/ready").status_code == 503


def test_ml_service_stopped_while_running(client, stub_ml):
    assert client.post("/api/predict", json=FEATURES, headers=AUTH).status_code == 200
    stub_ml.stop()  # the pooled keep-alive connection goes stale, then nothing listens
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 503 and response.json()["error"]["code"] == "upstream_unavailable"


def test_slow_ml_service_is_504(client_for, stub_ml):
    stub_ml.mode, stub_ml.delay = "slow", 1.5
    client = client_for(ml_service_url=stub_ml.url, ml_timeout_seconds=0.3)
    started = time.monotonic()
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - started < 1.4  # a timeout is not retried
    assert len(stub_ml.calls) == 1


@pytest.mark.parametrize("status", [400, 404, 413, 415, 422])
def test_ml_service_4xx_is_passed_through(client, stub_ml, status):
    stub_ml.mode = f"status:{status}"
    response = client.post("/api/predict", json=FEATURES, headers={**AUTH, "X-Request-ID": "pass-1"})
    assert response.status_code == status
    assert response.json() == {
        "error": {"code": "stub_error", "message": "stub", "field": "features"},
        "request_id": "pass-1",
    }
    assert len(stub_ml.calls) == 1  # 4xx are not retried


def test_ml_service_500_is_502_without_retry_storm(client, stub_ml):
    stub_ml.mode = "status:500"
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_error"
    assert len(stub_ml.calls) == 1


def test_transient_503_is_retried(client, stub_ml):
    stub_ml.mode, stub_ml.failures = "flaky", 2
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 200 and len(stub_ml.calls) == 3


def test_persistent_503_gives_up_after_the_retries_and_stays_503(client_for, stub_ml):
    """Not ready (no model promoted yet) is unavailable, not broken: 503 with the ML service's reason."""
    stub_ml.mode = "status:503"
    client = client_for(ml_service_url=stub_ml.url, ml_retries=1)
    response = client.post("/api/predict", json=FEATURES, headers={**AUTH, "X-Request-ID": "nr-1"})
    assert response.status_code == 503 and len(stub_ml.calls) == 2
    assert response.json() == {
        "error": {"code": "stub_error", "message": "the ML service is not ready: stub", "field": None},
        "request_id": "nr-1",
    }


def test_a_503_page_that_is_not_the_ml_service_is_503_upstream_unavailable(client_for, stub_ml):
    """The ALB's own 503 (no registered targets) is HTML: still 503, with the backend's own error."""
    stub_ml.mode = "html:503"
    client = client_for(ml_service_url=stub_ml.url, ml_retries=0)
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 503 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert "503" in response.json()["error"]["message"]


def test_garbage_from_upstream_is_502(client_for, garbage_ml):
    client = client_for(ml_service_url=garbage_ml.url, ml_retries=0)
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 502 and response.json()["error"]["code"] == "bad_gateway"


def test_non_json_200_from_upstream_is_502(client_for, stub_ml):
    """A proxy's HTML page (or any non-JSON 200) is not a prediction: 502, never passed through."""
    client = client_for(ml_service_url=stub_ml.url, ml_retries=0)
    stub_ml.mode = "html"
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    assert response.status_code == 502 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "bad_gateway"


def test_waiting_for_a_pooled_connection_counts_in_the_timeout(stub_ml):
    """One pooled connection, a slow ML service, six callers: each gives up within its own timeout."""
    import asyncio
    import time

    from backend_api.upstream import UpstreamError, UpstreamPool

    stub_ml.mode, stub_ml.delay = "slow", 2.0

    async def call(pool: UpstreamPool) -> tuple[float, UpstreamError | None]:
        start = time.perf_counter()
        try:
            await pool.request("POST", "/predict", b"{}", timeout=0.25)
        except UpstreamError as exc:
            return time.perf_counter() - start, exc
        return time.perf_counter() - start, None

    async def run() -> list[tuple[float, UpstreamError | None]]:
        pool = UpstreamPool(stub_ml.url, max_connections=1)
        try:
            return await asyncio.gather(*(call(pool) for _ in range(6)))
        finally:
            await pool.aclose()

    results = asyncio.run(run())
    assert all(error is not None and error.kind == "timeout" for _, error in results)
    # Queued behind each other the last caller would wait 6 x 0.25 s; with one deadline each, ~0.25 s.
    assert max(elapsed for elapsed, _ in results) < 0.9, [round(e, 3) for e, _ in results]
    waited = [error for _, error in results if not error.sent]
    assert len(waited) == 5 and "free a pooled connection" in str(waited[0])


def test_bad_requests_are_rejected_before_forwarding(client_for, stub_ml):
    client = client_for(ml_service_url=stub_ml.url, max_body_bytes=100)
    assert client.post("/api/predict", content=b"x", headers={**AUTH, "Content-Type": "text/plain"}).status_code == 415
    too_big = client.post("/api/predict", json={"features": [1.0] * 100}, headers=AUTH)
    assert too_big.status_code == 413 and too_big.json()["error"]["field"] == "body"
    empty = client.post("/api/predict", content=b"", headers={**AUTH, "Content-Type": "application/json"})
    assert empty.status_code == 400
    assert stub_ml.calls == []
    assert client.get("/api/predict").status_code == 405
    assert client.get("/nope").json()["error"]["code"] == "not_found"


def test_ready_metrics_and_openapi(client):
    assert client.get("/ready").json() == {"ready": True, "backend": "ml-service"}
    client.post("/api/predict", json=FEATURES, headers=AUTH)
    text = client.get("/metrics").text
    assert 'api_http_requests_total{method="POST",path="/api/predict",status="200"} 1.0' in text
    assert 'api_http_request_duration_seconds_count{path="/api/predict"}' in text
    schema = client.get("/openapi.json").json()
    assert "/api/predict" in schema["paths"] and "/api/predict/batch" in schema["paths"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    assert schema["paths"]["/api/predict"]["post"]["security"] == [{"ApiKey": []}]
    assert list(schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]


def test_access_log_is_one_json_line_per_request(client_for, stub_ml, capfd):
    client = client_for(ml_service_url=stub_ml.url, access_log=True)
    client.post("/api/predict", json=FEATURES, headers={**AUTH, "X-Request-ID": "log-9"})
    client.app.state.runtime.access_log.flush()
    lines = [json.loads(x) for x in capfd.readouterr().out.splitlines() if '"log-9"' in x]
    assert len(lines) == 1
    assert lines[0]["status"] == 200 and lines[0]["path"] == "/api/predict" and lines[0]["duration_ms"] > 0


def test_pool_reuses_connections_under_concurrency(client_for, stub_ml):
    import asyncio

    import httpx
    from api_helpers import make_settings
    from backend_api.app import create_app

    async def run() -> list[int]:
        app = create_app(make_settings(ml_service_url=stub_ml.url, ml_max_connections=4))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                calls = [http.post("/api/predict", json=FEATURES, headers=AUTH) for _ in range(40)]
                responses = await asyncio.gather(*calls)
            pool = app.state.runtime.forwarder.pool
            assert len(pool._all) <= 4  # bounded pool, connections reused
        return [r.status_code for r in responses]

    assert asyncio.run(run()) == [200] * 40
