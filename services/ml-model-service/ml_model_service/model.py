"""The served model: an ONNX Runtime session built from a verified bundle, and its holder."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import onnxruntime as ort

from ml_model_service.bundle import BundleError, fetch_bundle
from ml_model_service.drift import DriftMonitor
from ml_model_service.settings import Settings

PROBABILITIES = "probabilities"


def _session(onnx_bytes: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # One request's model call is microseconds: threads would only add hand-offs. Parallelism
    # comes from running more service processes.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
        raise BundleError(f"ONNX Runtime cannot load model.onnx: {exc}") from exc


@dataclass
class ServedModel:
    metadata: dict[str, Any]
    session: ort.InferenceSession
    uri: str
    drift: DriftMonitor
    loaded_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def __post_init__(self) -> None:
        self.version = str(self.metadata["version"])
        self.sha256 = str(self.metadata["model_sha256"])
        self.feature_names = list(self.metadata["feature_names"])
        self.n_features = len(self.feature_names)
        self.classes = list(self.metadata["classes"])
        self.class_keys = [str(c) for c in self.classes]
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise BundleError(f"model.onnx must have one input tensor, it has {len(inputs)}")
        self.input_name = inputs[0].name
        width = inputs[0].shape[-1] if inputs[0].shape else None
        if isinstance(width, int) and width != self.n_features:
            raise BundleError(f"model.onnx expects {width} features but metadata.json names {self.n_features}")
        outputs = {o.name: o for o in self.session.get_outputs()}
        if PROBABILITIES not in outputs:
            raise BundleError(f"model.onnx has no {PROBABILITIES!r} output (got {sorted(outputs)})")
        self.output_names = [PROBABILITIES]
        # The binding under InferenceSession.run re-validates input names on every call, which
        # costs more than the model itself for one row; the names were checked above.
        self._run = getattr(self.session, "_sess", None)
        self._run_options = ort.RunOptions()
        probe = self.predict_proba(np.zeros((1, self.n_features), dtype=np.float32))
        if probe.shape != (1, len(self.classes)):
            raise BundleError(
                f"model.onnx gives {probe.shape[1]} probabilities but metadata.json lists {len(self.classes)} classes"
            )

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """float32 (n, features) -> float32 probabilities (n, classes)."""
        if self._run is not None:
            return self._run.run(self.output_names, {self.input_name: x}, self._run_options)[0]
        return self.session.run(self.output_names, {self.input_name: x})[0]

    def describe(self) -> dict[str, Any]:
        meta = self.metadata
        return {
            "version": self.version,
            "created_at": meta.get("created_at"),
            "model_type": meta.get("model_type"),
            "framework": meta.get("framework"),
            "dataset": meta.get("dataset"),
            "metrics": meta.get("metrics"),
            "hyperparameters": meta.get("hyperparameters"),
            "feature_names": self.feature_names,
            "classes": self.classes,
            "model_sha256": self.sha256,
            "uri": self.uri,
            "loaded_at": self.loaded_at,
        }


def load_model(uri: str, expected_sha256: str | None, settings: Settings, s3_client: Any = None) -> ServedModel:
    """Fetch, verify and open a bundle. Raises BundleError (BundleIntegrityError on sha256)."""
    onnx_bytes, metadata = fetch_bundle(uri, expected_sha256, s3_client=s3_client)
    drift = DriftMonitor(
        list(metadata["feature_names"]),
        metadata.get("baseline"),
        window=settings.drift_window,
        min_samples=settings.drift_min_samples,
        threshold=settings.drift_psi_threshold,
    )
    return ServedModel(metadata=metadata, session=_session(onnx_bytes), uri=uri, drift=drift)


class ModelHolder:
    """The one served model that hot reload swaps.

    A request takes ``holder.model`` once and uses that object to the end, so a swap (a single
    reference assignment) never changes the model under a request in flight; the old session is
    freed when its last request lets go of it.
    """

    def __init__(self) -> None:
        self.model: ServedModel | None = None
        self.started = time.monotonic()
        self.last_reload: dict[str, Any] | None = None
        self.reload_lock = threading.Lock()

    def swap(self, model: ServedModel) -> ServedModel | None:
        previous, self.model = self.model, model
        return previous
