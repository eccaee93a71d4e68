"""Training writes a verified bundle, and refuses to when ONNX and scikit-learn disagree."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tarfile

import numpy as np
import onnxruntime as ort
import pytest
from ml_helpers import SERVICE_ROOT
from ml_model_service.bundle import read_bundle, sha256_hex
from ml_model_service.training import train as train_module

METADATA_KEYS = {
    "version", "created_at", "framework", "model_type", "dataset", "metrics", "hyperparameters",
    "feature_names", "classes", "model_sha256", "baseline",
}  # fmt: skip


def test_cli_writes_bundle_with_exactly_model_and_metadata(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ml_model_service.training.train", "--output", str(tmp_path),
         "--model", "logreg", "--version", "7"],
        cwd=SERVICE_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["version"] == "7"
    with tarfile.open(tmp_path / "model.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["metadata.json", "model.onnx"]
        inner_meta = json.loads(tar.extractfile("metadata.json").read())
    beside = json.loads((tmp_path / "metadata.json").read_text())
    assert inner_meta == beside
    assert set(beside) >= METADATA_KEYS
    assert beside["version"] == "7" and beside["model_type"] == "logreg"
    assert beside["created_at"].endswith("Z")
    assert beside["framework"]["onnx_opset"] >= 13 and beside["framework"]["sklearn"]
    assert beside["dataset"]["rows"] == 569 and len(beside["dataset"]["sha256"]) == 64
    assert set(beside["metrics"]) == {"accuracy", "f1", "roc_auc"}
    assert beside["metrics"]["accuracy"] > 0.9 and beside["metrics"]["roc_auc"] > 0.95
    assert len(beside["feature_names"]) == 30 and beside["classes"] == [0, 1]
    edges = beside["baseline"]["mean radius"]["bin_edges"]
    proportions = beside["baseline"]["mean radius"]["proportions"]
    assert len(edges) == len(proportions) + 1 and abs(sum(proportions) - 1) < 1e-6
    onnx_bytes, meta = read_bundle(tmp_path / "model.tar.gz")
    assert sha256_hex(onnx_bytes) == meta["model_sha256"] == summary["model_sha256"]


def test_dataset_hash_is_stable_across_runs(bundles):
    first = json.loads((bundles["v1"] / "metadata.json").read_text())["dataset"]
    second = json.loads((bundles["v2"] / "metadata.json").read_text())["dataset"]
    assert first["sha256"] == second["sha256"] and first["source"] == "sklearn:breast_cancer"


def test_onnx_reproduces_sklearn_probabilities(bundles):
    from sklearn.datasets import load_breast_cancer

    onnx_bytes, meta = read_bundle(bundles["v1"])
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    x = load_breast_cancer().data[:20].astype(np.float32)
    proba = session.run(["probabilities"], {"input": x})[0]
    assert proba.shape == (20, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert meta["onnx_max_abs_diff"] <= 1e-5


def test_refuses_to_write_when_onnx_disagrees(tmp_path, monkeypatch):
    real = train_module.onnx_probabilities

    def skewed(onnx_bytes, x):
        return real(onnx_bytes, x) + 1e-3

    monkeypatch.setattr(train_module, "onnx_probabilities", skewed)
    with pytest.raises(train_module.TrainingError, match="refusing to write"):
        train_module.train(tmp_path / "out", model_type="rf", n_estimators=5)
    assert not (tmp_path / "out" / "model.tar.gz").exists()
    assert not (tmp_path / "out" / "metadata.json").exists()


def test_trains_on_a_csv_with_string_labels(tmp_path):
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    path = tmp_path / "data.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f1", "f2", "f3", "diagnosis"])
        for row, label in zip(data.data[:, :3], data.target, strict=True):
            writer.writerow([*row, "benign" if label else "malignant"])
    meta = train_module.train(tmp_path / "out", data=path, label_column="diagnosis", model_type="rf", n_estimators=5)
    assert meta["feature_names"] == ["f1", "f2", "f3"]
    assert meta["classes"] == ["benign", "malignant"]
    assert meta["dataset"]["source"] == "data.csv" and meta["dataset"]["rows"] == 569
    assert read_bundle(tmp_path / "out")[1]["model_sha256"] == meta["model_sha256"]


def test_cli_reports_a_missing_label_column(tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    assert train_module.main(["--output", str(tmp_path / "o"), "--data", str(path)]) == 1
    assert "no label column 'label'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
