"""The hand-written upstream client against an ML service that misbehaves on purpose.

Each case gives the README's answer (chunked JSON passes, broken or oversized answers are 502,
a stalled answer is 504) within a bounded time: the client never hangs.
"""

from __future__ import annotations

import time

import pytest
from api_helpers import API_KEY, MisbehavingServer

AUTH = {"X-API-Key": API_KEY}
FEATURES = {"features": [1.0] * 30}
TIMEOUT = 0.5


@pytest.fixture
def odd_ml():
    server = MisbehavingServer()
    yield server
    server.stop()


def predict(client_for, server, mode, **settings):
    server.mode = mode
    server.start()
    client = client_for(ml_service_url=server.url, ml_timeout_seconds=TIMEOUT, **settings)
    start = time.monotonic()
    response = client.post("/api/predict", json=FEATURES, headers=AUTH)
    return response, time.monotonic() - start


def test_a_chunked_answer_is_read_whole(client_for, odd_ml):
    response, _ = predict(client_for, odd_ml, "ok-chunked")
    assert response.status_code == 200, response.text
    assert response.json()["model_version"] == "odd-1"


@pytest.mark.parametrize("mode", ["close", "close-mid-body"])
def test_an_early_close_is_502_after_the_retries(client_for, odd_ml, mode):
    response, elapsed = predict(client_for, odd_ml, mode, ml_retries=2)
    assert response.status_code == 502 and response.json()["error"]["code"] == "bad_gateway"
    assert odd_ml.requests == 3  # a pure prediction: retried twice, then given up
    assert elapsed < 3 * TIMEOUT


def test_a_stalled_partial_answer_is_504_within_the_timeout(client_for, odd_ml):
    response, elapsed = predict(client_for, odd_ml, "stall-mid-body", ml_retries=2)
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
    assert odd_ml.requests == 1  # a timeout is not retried
    assert elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize("mode", ["declares-oversized", "streams-oversized"])
def test_an_oversized_answer_is_502_before_it_is_read(client_for, odd_ml, mode):
    response, elapsed = predict(client_for, odd_ml, mode, ml_retries=0, ml_max_response_bytes=1_000_000)
    assert response.status_code == 502 and response.json()["error"]["code"] == "bad_gateway"
    assert elapsed < TIMEOUT  # refused at the limit, not at the deadline


def test_the_limit_applies_to_what_arrives_not_only_to_what_is_declared():
    import asyncio

    from backend_api.upstream import UpstreamError, UpstreamPool

    server = MisbehavingServer("streams-oversized").start()

    async def run() -> UpstreamError:
        pool = UpstreamPool(server.url, max_connections=1, max_response_bytes=200_000)
        try:
            await pool.request("POST", "/predict", b"{}", timeout=5)
        except UpstreamError as exc:
            return exc
        finally:
            await pool.aclose()
        raise AssertionError("an endless answer was accepted")

    try:
        error = asyncio.run(run())
    finally:
        server.stop()
    assert error.kind == "oversized" and "200000 bytes" in str(error)
