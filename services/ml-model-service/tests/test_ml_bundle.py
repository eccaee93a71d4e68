"""read_bundle's sha256 rule, and the service refusing to start on a mismatch."""

from __future__ import annotations

import io
import tarfile

import pytest
from fastapi.testclient import TestClient
from ml_helpers import make_settings, tampered_copy
from ml_model_service.app import create_app
from ml_model_service.bundle import (
    BundleError,
    BundleIntegrityError,
    fetch_bundle,
    read_bundle,
    sha256_hex,
)


def test_reads_a_tarball_and_a_directory(bundles, tmp_path):
    onnx_bytes, meta = read_bundle(bundles["v1"] / "model.tar.gz")
    assert sha256_hex(onnx_bytes) == meta["model_sha256"]
    extracted = tmp_path / "opt-ml-model"
    extracted.mkdir()
    with tarfile.open(bundles["v1"] / "model.tar.gz") as tar:
        tar.extractall(extracted, filter="data")
    assert read_bundle(extracted) == (onnx_bytes, meta)
    assert fetch_bundle(f"file://{extracted}") == (onnx_bytes, meta)


def test_tampered_model_raises_integrity_error(bundles, tmp_path):
    bad = tampered_copy(bundles["v1"], tmp_path)
    with pytest.raises(BundleIntegrityError, match="metadata.json declares"):
        read_bundle(bad)


def test_expected_sha256_is_checked_too(bundles):
    with pytest.raises(BundleIntegrityError, match="was expected"):
        read_bundle(bundles["v1"], expected_sha256="0" * 64)
    onnx_bytes, meta = read_bundle(bundles["v1"], expected_sha256=meta_sha(bundles))
    assert meta["version"] == "1"


def meta_sha(bundles) -> str:
    return read_bundle(bundles["v1"])[1]["model_sha256"].upper()  # case does not matter


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"model.onnx": b"x"}, "lacks metadata.json"),
        ({"model.onnx": b"x", "metadata.json": b"{"}, "not valid JSON"),
        ({"model.onnx": b"x", "metadata.json": b'{"version": "1"}'}, "lacks required keys"),
    ],
)
def test_malformed_bundles_raise_bundle_error(tmp_path, members, message):
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(BundleError, match=message):
        read_bundle(path)


def test_not_a_tarball(tmp_path):
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(BundleError, match="not a readable"):
        read_bundle(path)


def test_service_refuses_to_start_on_tampered_bundle(bundles, tmp_path):
    bad = tampered_copy(bundles["v1"], tmp_path)
    with pytest.raises(BundleIntegrityError), TestClient(create_app(make_settings(model_uri=str(bad)))):
        pass


def test_service_refuses_to_start_when_model_sha256_differs(bundles):
    settings = make_settings(model_uri=str(bundles["v1"]), model_sha256="ab" * 32)
    with pytest.raises(BundleIntegrityError), TestClient(create_app(settings)):
        pass


def test_service_process_exits_non_zero_on_mismatch(bundles, start_server):
    server = start_server({"MODEL_URI": str(bundles["v1"]), "MODEL_SHA256": "cd" * 32}, wait=False)
    assert server.proc.wait(timeout=30) != 0
    assert "sha256" in server.log()
