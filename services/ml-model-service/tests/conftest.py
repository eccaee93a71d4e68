"""Fixtures for ml-model-service: trained bundles, app clients, server processes, a moto server.

Helpers live in ml_helpers.py: two services' test folders run in one pytest session, and a
module imported by name must not be called "conftest" in both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from ml_helpers import SERVICE_ROOT, VENV_BIN, ServerProcess, free_port, make_settings
from ml_model_service.app import create_app
from ml_model_service.training.train import train


@pytest.fixture(scope="session")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """Two small real bundles: v1 (random forest) and v2 (logistic regression)."""
    root = tmp_path_factory.mktemp("bundles")
    train(root / "v1", model_type="rf", version="1", n_estimators=10, seed=1)
    train(root / "v2", model_type="logreg", version="2", seed=2)
    return {"v1": root / "v1", "v2": root / "v2"}


@pytest.fixture(scope="session")
def v1_meta(bundles) -> dict:
    return json.loads((bundles["v1"] / "metadata.json").read_text())


@pytest.fixture(scope="session")
def sample_rows() -> list[list[float]]:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer().data[:50].tolist()


@pytest.fixture
def client_for():
    """client_for(**settings) -> a started TestClient; all are closed after the test."""
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
def client(client_for, bundles) -> TestClient:
    return client_for(model_uri=str(bundles["v1"] / "model.tar.gz"))


@pytest.fixture
def start_server(tmp_path) -> Iterator:
    servers: list[ServerProcess] = []

    def start(env: dict[str, str], wait: bool = True, command: list[str] | None = None) -> ServerProcess:
        server = ServerProcess(
            "ml_model_service", env, free_port(), SERVICE_ROOT, tmp_path / f"server{len(servers)}.log", command
        )
        servers.append(server)
        if wait:
            server.wait_ready()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(bundles, tmp_path_factory) -> Iterator[ServerProcess]:
    """One real server process on the v1 bundle, for the protocols' standard clients."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    server = ServerProcess(
        "ml_model_service", {"MODEL_URI": str(bundles["v1"] / "model.tar.gz"), "ACCESS_LOG": "false"},
        free_port(), SERVICE_ROOT, log,
    )  # fmt: skip
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port; yields its URL, stops it by PID at the end."""
    moto = VENV_BIN / "moto_server"
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
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    httpx.post(moto_server + "/moto-api/reset", timeout=5.0)
    return env
