"""Fixtures for ml-model-service: trained bundles, app clients, server processes, a moto server.

Helpers live in ml_helpers.py: two services' test folders run in one pytest session, and a
module imported by name must not be called "conftest" in both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ml_helpers import SERVICE_ROOT, ServerProcess, free_port, make_settings
from ml_model_service.app import create_app
from ml_model_service.training.train import train
from service_kit.testing import app_clients, aws_env, moto_server  # noqa: F401 - fixtures


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
def client_for(app_clients):  # noqa: F811 - the imported fixture, by name
    """client_for(**settings) -> a started TestClient; all are closed after the test."""
    return app_clients(create_app, make_settings)


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
