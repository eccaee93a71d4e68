"""Hot reload: admin call and SSM pointer; atomic swap under load; bad bundles leave the old model."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from ml_helpers import tampered_copy

TOKEN = "s3cret-token"  # noqa: S105 - test token
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def sha(bundle_dir) -> str:
    return json.loads((bundle_dir / "metadata.json").read_text())["model_sha256"]


def test_admin_reload_is_disabled_without_token(client, bundles):
    response = client.post("/admin/reload", json={"uri": str(bundles["v2"])})
    assert response.status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_admin_reload_needs_the_token(client_for, bundles, headers):
    client = client_for(model_uri=str(bundles["v1"]), admin_token=TOKEN)
    response = client.post("/admin/reload", json={"uri": str(bundles["v2"])}, headers=headers)
    assert response.status_code == 401 and response.json()["error"]["field"] == "authorization"
    assert client.get("/ready").json()["model_version"] == "1"


def test_admin_reload_swaps_version(client_for, bundles, sample_rows):
    client = client_for(model_uri=str(bundles["v1"]), admin_token=TOKEN)
    response = client.post(
        "/admin/reload", json={"uri": str(bundles["v2"] / "model.tar.gz"), "sha256": sha(bundles["v2"])}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == "2" and response.json()["previous_version"] == "1"
    assert client.post("/predict", json={"features": sample_rows[0]}).json()["model_version"] == "2"
    assert client.get("/metadata").json()["last_reload"]["source"] == "admin"
    assert 'ml_model_reloads_total{result="success"} 1.0' in client.get("/metrics").text


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"sha256": "0" * 64}, "bundle_integrity_error", "sha256"),
        ({"version": "99"}, "version_mismatch", "version"),
    ],
)
def test_admin_reload_rejections_keep_the_old_model(client_for, bundles, body, code, field):
    client = client_for(model_uri=str(bundles["v1"]), admin_token=TOKEN)
    response = client.post("/admin/reload", json={"uri": str(bundles["v2"]), **body}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code and response.json()["error"]["field"] == field
    assert client.get("/ready").json()["model_version"] == "1"
    last = client.get("/metadata").json()["last_reload"]
    assert last["status"] == "failed" and last["error"]


def test_admin_reload_of_tampered_or_missing_bundle(client_for, bundles, tmp_path):
    client = client_for(model_uri=str(bundles["v1"]), admin_token=TOKEN)
    bad = tampered_copy(bundles["v2"], tmp_path)
    response = client.post("/admin/reload", json={"uri": str(bad)}, headers=AUTH)
    assert response.status_code == 422 and response.json()["error"]["code"] == "bundle_integrity_error"
    missing = client.post("/admin/reload", json={"uri": str(tmp_path / "nope.tar.gz")}, headers=AUTH)
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "bundle_error"
    no_uri = client.post("/admin/reload", json={}, headers=AUTH)
    assert no_uri.status_code == 422 and no_uri.json()["error"]["field"] == "uri"
    assert client.get("/ready").json()["model_version"] == "1"
    assert 'ml_model_reloads_total{result="failure"} 2.0' in client.get("/metrics").text


def test_hot_reload_under_concurrent_requests_fails_no_request(bundles, start_server, sample_rows, tmp_path):
    server = start_server({"MODEL_URI": str(bundles["v1"]), "ADMIN_TOKEN": TOKEN, "ACCESS_LOG": "false"})
    stop = threading.Event()
    results: list[tuple[int, str | None]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 30

    def hammer(worker: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for i in range(2000):  # bounded in count and in time
                if stop.is_set() or time.monotonic() > deadline:
                    return
                row = sample_rows[(worker + i) % len(sample_rows)]
                try:
                    response = http.post("/predict", json={"features": row})
                    outcome = (response.status_code, response.json().get("model_version"))
                except httpx.HTTPError as exc:
                    outcome = (0, repr(exc))
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    bad = tampered_copy(bundles["v2"], tmp_path / "bad")
    plan = [bundles["v2"], bundles["v1"], bad, bundles["v2"], bundles["v1"], bundles["v2"]]
    reloads = []
    try:
        with httpx.Client(base_url=server.url, timeout=30, headers=AUTH) as admin:
            for uri in plan:
                time.sleep(0.3)
                reloads.append(admin.post("/admin/reload", json={"uri": str(uri)}).status_code)
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert reloads == [200, 200, 422, 200, 200, 200]
    failures = [r for r in results if r[0] != 200]
    assert not failures, failures[:5]
    versions = {version for _, version in results}
    assert versions == {"1", "2"}
    assert len(results) > 100
    assert httpx.get(server.url + "/ready").json()["model_version"] == "2"


def test_admin_reload_bounds_a_local_file_while_reading_it(client_for, bundles, tmp_path, monkeypatch):
    """A local path is read up to the bundle limit, never whole: a FIFO fed 8 MB is cut short."""
    import os

    from ml_model_service import bundle

    client = client_for(model_uri=str(bundles["v1"]), admin_token=TOKEN)
    monkeypatch.setattr(bundle, "MAX_MODEL_BYTES", 4096)
    monkeypatch.setattr(bundle, "MAX_METADATA_BYTES", 1024)
    fifo = tmp_path / "endless.tar.gz"
    os.mkfifo(fifo)
    written = 0

    def feed() -> None:
        nonlocal written
        chunk = b"\0" * 65536
        try:
            with open(fifo, "wb") as pipe:
                while written < 8 * 1024 * 1024:
                    pipe.write(chunk)
                    written += len(chunk)
        except BrokenPipeError:
            pass  # the service stopped reading: what the bound is for

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    response = client.post("/admin/reload", json={"uri": str(fifo)}, headers=AUTH)
    feeder.join(timeout=10)
    assert response.status_code == 422 and "too large" in response.json()["error"]["message"], response.text
    assert written < 1024 * 1024  # read at most the limit (plus what the pipe buffers), not 8 MB
    assert client.get("/ready").json()["model_version"] == "1"
