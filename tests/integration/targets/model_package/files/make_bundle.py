#!/usr/bin/env python3
"""Write a small model bundle (model.tar.gz = model.onnx + metadata.json) for the tests.

The "model" is a few fake bytes: registration and promotion never run it, they check its sha256.
    make_bundle.py --output DIR [--seed S] [--accuracy A] [--roc-auc R] [--f1 F] [--tamper]
--tamper writes a metadata.json whose model_sha256 does not match model.onnx.
"""

import argparse
import hashlib
import io
import json
import tarfile
from pathlib import Path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--accuracy", type=float, default=0.95)
    parser.add_argument("--roc-auc", type=float, default=0.98)
    parser.add_argument("--f1", type=float, default=0.94)
    parser.add_argument("--tamper", action="store_true")
    args = parser.parse_args()
    model = f"fake onnx model, seed {args.seed}\n".encode() * 8
    sha = hashlib.sha256(model).hexdigest()
    metadata = {
        "version": args.seed,
        "created_at": "2026-11-01T12:00:00Z",
        "framework": {"sklearn": "1.5.2", "onnx_opset": 17},
        "model_type": "rf",
        "dataset": {"sha256": hashlib.sha256(b"dataset").hexdigest(), "rows": 569, "source": "sklearn:breast_cancer"},
        "metrics": {"accuracy": args.accuracy, "f1": args.f1, "roc_auc": args.roc_auc},
        "hyperparameters": {"n_estimators": 10},
        "feature_names": ["a", "b"],
        "classes": [0, 1],
        "model_sha256": hashlib.sha256(b"something else").hexdigest() if args.tamper else sha,
        "baseline": {name: {"bin_edges": [0.0, 1.0], "proportions": [1.0]} for name in ("a", "b")},
    }
    args.output.mkdir(parents=True, exist_ok=True)
    with tarfile.open(args.output / "model.tar.gz", "w:gz") as tar:
        for name, payload in (("model.onnx", model), ("metadata.json", json.dumps(metadata, indent=2).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(payload))
    print(json.dumps({"bundle": str(args.output / "model.tar.gz"), "model_sha256": sha}))


if __name__ == "__main__":
    main()
