"""schemathesis over every operation of backend-api's OpenAPI document, against a real server.

The backend runs under uvicorn in front of a real ML service, with the API key sent on every
case (the keyless answers, 401, are covered by the auth tests). Bounded: 8 examples per operation
and mode, 90 s at most (~10 s here).
"""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn
from api_helpers import API_KEY, free_port, make_settings
from backend_api.app import create_app

pytest.importorskip("schemathesis")
from service_kit.fuzzing import fuzz_openapi  # noqa: E402


@pytest.fixture
def live_backend(ml_service):
    port = free_port()
    config = uvicorn.Config(
        create_app(make_settings(ml_service_url=ml_service["url"])), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "backend did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_every_operation_answers_as_documented(live_backend):
    ran, failures = fuzz_openapi(live_backend, headers={"X-API-Key": API_KEY}, max_examples=8, budget_seconds=90)
    assert len(ran) >= 6, ran  # /health, /ready, /metrics, /api/predict(+batch), positive and negative
    assert failures == [], "\n\n".join(failures)
