"""pytest fixtures both services' tests use: the offline AWS (a moto server) and its environment,
and started TestClients. Each service's conftest imports them by name (a conftest above both
services would be out of reach when one service's tests run alone, as its buildspec does).
pytest and httpx are test dependencies, needed only where this module is imported."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory) -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port; yields its URL, stops it by PID at the end."""
    moto = Path(sys.executable).parent / "moto_server"
    if not moto.exists():
        found = shutil.which("moto_server")
        if not found:
            pytest.skip("moto_server is not installed")
        moto = Path(found)
    port = _free_port()
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
    """AWS_* pointing every boto3 client at the moto server, whose state is reset first."""
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


@pytest.fixture
def app_clients():
    """app_clients(create_app, make_settings) -> client_for(**settings): started TestClients, all
    closed after the test (each service's conftest binds its own app factory)."""
    from fastapi.testclient import TestClient

    clients = []

    def bind(create_app, make_settings):
        def client_for(**overrides) -> TestClient:
            client = TestClient(create_app(make_settings(**overrides)), raise_server_exceptions=False)
            client.__enter__()
            clients.append(client)
            return client

        return client_for

    yield bind
    for client in clients:
        client.__exit__(None, None, None)
