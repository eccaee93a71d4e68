"""Fixtures for backend-api (helpers live in api_helpers.py)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import SERVICE_ROOT, GarbageServer, StubMlService, free_port, make_settings
from backend_api.app import create_app
from fastapi.testclient import TestClient

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
def client_for():
    clients = []

    def factory(**overrides) -> TestClient:
        client = TestClient(create_app(make_settings(**overrides)), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_for, stub_ml) -> TestClient:
    return client_for(ml_service_url=stub_ml.url)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port, stopped by PID at the end of the session."""
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        found = shutil.which("moto_server")
        if not found:
            pytest.skip("moto_server is not installed")
        moto = Path(found)
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start: " + log.read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def aws_env(moto_server, monkeypatch) -> dict[str, str]:
    env = {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    httpx.post(moto_server + "/moto-api/reset", timeout=5.0)
    return env


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
