"""Fixtures for backend-api (helpers live in api_helpers.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from api_helpers import SERVICE_ROOT, GarbageServer, StubMlService, free_port, make_settings
from backend_api.app import create_app
from fastapi.testclient import TestClient
from service_kit.testing import app_clients, aws_env, moto_server  # noqa: F401 - fixtures

ML_ROOT = SERVICE_ROOT.parent / "ml-model-service"


@pytest.fixture
def stub_ml() -> Iterator[StubMlService]:
    stub = StubMlService().start()
    yield stub
    stub.stop()


@pytest.fixture
def garbage_ml() -> Iterator[GarbageServer]:
    server = GarbageServer().start()
    yield server
    server.stop()


@pytest.fixture
def client_for(app_clients):  # noqa: F811 - the imported fixture, by name
    """client_for(**settings) -> a started TestClient; all are closed after the test."""
    return app_clients(create_app, make_settings)


@pytest.fixture
def client(client_for, stub_ml) -> TestClient:
    return client_for(ml_service_url=stub_ml.url)


@pytest.fixture(scope="module")
def ml_service(tmp_path_factory):
    """A real ml-model-service process on a freshly trained 5-tree bundle (one per test module)."""
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
