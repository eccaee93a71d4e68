"""Train a scikit-learn pipeline, convert it to ONNX and write the model bundle.

    python -m ml_model_service.training.train --output DIR [--data CSV] [--model rf|logreg]
        [--version V] [--label-column label] [--n-estimators 100] [--seed 42]

Without ``--data`` it trains on scikit-learn's bundled breast-cancer data (no download). The
bundle is written only when ONNX Runtime reproduces scikit-learn's probabilities on the held-out
split to within ``--tolerance`` (1e-5).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ml_model_service.bundle import BUNDLE_FILE, METADATA_FILE, MODEL_FILE, sha256_hex

BUILTIN_SOURCE = "sklearn:breast_cancer"
ONNX_OPSET = 17
ONNX_ML_OPSET = 3
BASELINE_BINS = 10


class TrainingError(Exception):
    """Training cannot produce a trustworthy bundle."""


def load_builtin() -> tuple[np.ndarray, np.ndarray, list[str], str]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = [str(n) for n in data.feature_names]
    x = np.asarray(data.data, dtype=np.float64)
    y = np.asarray(data.target)
    # Hash a canonical CSV rendering so that the same data always has the same digest.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*names, "label"])
    for row, label in zip(x, y, strict=True):
        writer.writerow([repr(float(v)) for v in row] + [int(label)])
    digest = hashlib.sha256(buffer.getvalue().encode()).hexdigest()
    return x, y, names, digest


def load_csv(path: Path, label_column: str) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise TrainingError(f"{path} is empty") from exc
    if label_column not in header:
        raise TrainingError(f"{path} has no label column {label_column!r} (columns: {header})")
    label_index = header.index(label_column)
    names = [h for i, h in enumerate(header) if i != label_index]
    rows: list[list[float]] = []
    labels: list[str] = []
    for line_no, record in enumerate(reader, start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise TrainingError(f"{path}:{line_no}: expected {len(header)} columns, got {len(record)}")
        try:
            rows.append([float(c) for i, c in enumerate(record) if i != label_index])
        except ValueError as exc:
            raise TrainingError(f"{path}:{line_no}: non-numeric feature value ({exc})") from exc
        labels.append(record[label_index].strip())
    if len(rows) < 10:
        raise TrainingError(f"{path} has {len(rows)} data rows; at least 10 are needed")
    x = np.asarray(rows, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise TrainingError(f"{path} contains NaN or infinite feature values")
    y = np.asarray(labels)
    try:  # integer labels stay integers (so that metadata "classes" are numbers)
        as_int = np.asarray([int(v) for v in labels])
        y = as_int
    except ValueError:
        pass
    return x, y, names, digest


def build_pipeline(model_type: str, n_estimators: int, max_depth: int | None, c: float, seed: int):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if model_type == "rf":
        params = {"n_estimators": n_estimators, "max_depth": max_depth, "random_state": seed}
        return Pipeline([("model", RandomForestClassifier(n_jobs=1, **params))]), params
    if model_type == "logreg":
        params = {"C": c, "max_iter": 5000, "random_state": seed}
        return Pipeline([("scaler", StandardScaler()), ("model", LogisticRegression(**params))]), params
    raise TrainingError(f"unknown model type {model_type!r}")


def evaluate(y_true: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    predicted = classes[np.argmax(proba, axis=1)]
    if len(classes) == 2:
        f1 = f1_score(y_true, predicted, pos_label=classes[1])
        auc = roc_auc_score(y_true, proba[:, 1])
    else:
        f1 = f1_score(y_true, predicted, average="macro")
        auc = roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
    return {
        "accuracy": round(float(accuracy_score(y_true, predicted)), 6),
        "f1": round(float(f1), 6),
        "roc_auc": round(float(auc), 6),
    }


def baseline_histograms(x: np.ndarray, names: list[str]) -> dict[str, dict[str, list[float]]]:
    """Quantile bins per feature over the training rows, for PSI against live traffic."""
    baseline = {}
    for j, name in enumerate(names):
        column = x[:, j]
        edges = np.unique(np.quantile(column, np.linspace(0.0, 1.0, BASELINE_BINS + 1)))
        if len(edges) < 2:  # constant feature: one bin
            edges = np.array([column[0], column[0]])
        # Bins are open at both ends when applied (see ml_model_service.drift).
        index = np.searchsorted(edges[1:-1], column, side="right")
        counts = np.bincount(index, minlength=len(edges) - 1)
        baseline[name] = {
            "bin_edges": [float(e) for e in edges],
            "proportions": [round(float(c) / len(column), 8) for c in counts],
        }
    return baseline


def to_onnx_bytes(pipeline, n_features: int) -> bytes:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    model = pipeline.steps[-1][1]
    onx = convert_sklearn(
        pipeline,
        initial_types=[("input", FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": ONNX_OPSET, "ai.onnx.ml": ONNX_ML_OPSET},
    )
    return onx.SerializeToString()


def onnx_probabilities(onnx_bytes: bytes, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"input": x.astype(np.float32)})[0]


def write_bundle(output: Path, onnx_bytes: bytes, metadata: dict[str, Any]) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    metadata_bytes = (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode()
    mtime = int(time.time())
    fd, tmp_name = tempfile.mkstemp(prefix=".model-", suffix=".tar.gz", dir=output)
    try:
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tar:
            for name, payload in ((MODEL_FILE, onnx_bytes), (METADATA_FILE, metadata_bytes)):
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                info.mtime = mtime
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(payload))
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, output / BUNDLE_FILE)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    (output / METADATA_FILE).write_bytes(metadata_bytes)
    return output / BUNDLE_FILE


def train(
    output: Path,
    data: Path | None = None,
    model_type: str = "rf",
    version: str = "1",
    label_column: str = "label",
    n_estimators: int = 100,
    max_depth: int | None = None,
    c: float = 1.0,
    seed: int = 42,
    test_size: float = 0.2,
    tolerance: float = 1e-5,
) -> dict[str, Any]:
    """Train, check ONNX against scikit-learn, write the bundle; return the metadata."""
    import sklearn
    from sklearn.model_selection import train_test_split

    if data is None:
        x, y, names, digest = load_builtin()
        source = BUILTIN_SOURCE
    else:
        x, y, names, digest = load_csv(data, label_column)
        source = data.name
    classes_present = np.unique(y)
    if len(classes_present) < 2:
        raise TrainingError("the label column holds a single class; nothing to learn")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y)
    pipeline, params = build_pipeline(model_type, n_estimators, max_depth, c, seed)
    # The service feeds float32 to ONNX Runtime; train on the same precision so that both see
    # exactly the same numbers.
    x_train = x_train.astype(np.float32).astype(np.float64)
    x_test = x_test.astype(np.float32).astype(np.float64)
    pipeline.fit(x_train, y_train)
    classes = pipeline.classes_
    sk_proba = pipeline.predict_proba(x_test)
    metrics = evaluate(y_test, sk_proba, classes)

    onnx_bytes = to_onnx_bytes(pipeline, len(names))
    ort_proba = onnx_probabilities(onnx_bytes, x_test)
    max_diff = float(np.max(np.abs(ort_proba.astype(np.float64) - sk_proba)))
    if ort_proba.shape != sk_proba.shape or not max_diff <= tolerance:
        raise TrainingError(
            f"ONNX probabilities differ from scikit-learn by {max_diff:.3g} (> {tolerance:g}) on "
            "the test split; refusing to write the bundle"
        )

    metadata = {
        "version": str(version),
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "framework": {"sklearn": sklearn.__version__, "onnx_opset": ONNX_OPSET},
        "model_type": model_type,
        "dataset": {"sha256": digest, "rows": int(len(x)), "source": source},
        "split": {"test_size": test_size, "seed": seed, "test_rows": int(len(x_test))},
        "metrics": metrics,
        "onnx_max_abs_diff": max_diff,
        "hyperparameters": params,
        "feature_names": names,
        "classes": [c.item() if hasattr(c, "item") else c for c in classes],
        "model_sha256": sha256_hex(onnx_bytes),
        "baseline": baseline_histograms(x_train, names),
    }
    write_bundle(output, onnx_bytes, metadata)
    return metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml_model_service.training.train", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--output", required=True, type=Path, help="directory for the bundle")
    parser.add_argument("--data", type=Path, help="CSV with a header, features + label column")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--model", choices=("rf", "logreg"), default="rf")
    parser.add_argument("--version", default="1")
    parser.add_argument("--n-estimators", type=int, default=100, help="trees (rf)")
    parser.add_argument("--max-depth", type=int, default=None, help="tree depth (rf)")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation (logreg)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args(argv)
    try:
        metadata = train(
            output=args.output,
            data=args.data,
            model_type=args.model,
            version=args.version,
            label_column=args.label_column,
            n_estimators=args.n_estimators,
            max_depth=args.max_depth,
            c=args.c,
            seed=args.seed,
            test_size=args.test_size,
            tolerance=args.tolerance,
        )
    except (TrainingError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    summary = {
        "bundle": str(args.output / BUNDLE_FILE),
        "version": metadata["version"],
        "model_sha256": metadata["model_sha256"],
        "metrics": metadata["metrics"],
        "onnx_max_abs_diff": metadata["onnx_max_abs_diff"],
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
