"""Prometheus metrics, in a registry per app so that several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from service_kit.metrics import RequestMetrics

from ml_model_service.model import ModelHolder


class DriftCollector(Collector):
    """Computes PSI per feature at scrape time, so requests pay nothing for it."""

    def __init__(self, holder: ModelHolder) -> None:
        self.holder = holder

    def collect(self) -> Iterator[GaugeMetricFamily]:
        psi = GaugeMetricFamily(
            "ml_drift_psi",
            "Population stability index of a feature vs the training baseline",
            labels=["feature"],
        )
        samples = GaugeMetricFamily("ml_drift_window_samples", "Rows in the drift window")
        drifted = GaugeMetricFamily("ml_drift_detected", "1 when some feature's PSI is over the threshold")
        model = self.holder.model
        if model is not None:
            report = model.drift.report()
            for name, value in report["psi"].items():
                if value is not None:
                    psi.add_metric([name], value)
            samples.add_metric([], report["samples"])
            drifted.add_metric([], 1.0 if report["drifted"] else 0.0)
        yield psi
        yield samples
        yield drifted


class ServiceMetrics(RequestMetrics):
    """ml_http_* request metrics, predictions by class, reloads, the served model and drift."""

    def __init__(self, holder: ModelHolder) -> None:
        super().__init__("ml")
        self.predictions = Counter("ml_predictions", "Predicted rows by class", ["class_label"], registry=self.registry)
        self.reloads = Counter("ml_model_reloads", "Model reload attempts", ["result"], registry=self.registry)
        self.model_info = Gauge("ml_model_info", "The served model", ["version", "sha256"], registry=self.registry)
        self.registry.register(DriftCollector(holder))
        self._class_children: dict[str, Callable[[float], None]] = {}

    def count_predictions(self, class_keys: list[str], indices: np.ndarray) -> None:
        if indices.shape[0] == 1:
            self._class_inc(class_keys[int(indices[0])], 1)
            return
        for i, n in enumerate(np.bincount(indices, minlength=len(class_keys)).tolist()):
            if n:
                self._class_inc(class_keys[i], n)

    def _class_inc(self, key: str, amount: float) -> None:
        inc = self._class_children.get(key)
        if inc is None:
            inc = self._class_children[key] = self.predictions.labels(key).inc
        inc(amount)

    def set_model(self, version: str, sha256: str) -> None:
        self.model_info.clear()
        self.model_info.labels(version, sha256).set(1)
