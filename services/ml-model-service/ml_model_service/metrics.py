"""Prometheus metrics, in a registry per app so that several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ml_model_service.model import ModelHolder

LATENCY_BUCKETS = (
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip


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


class ServiceMetrics:
    def __init__(self, holder: ModelHolder) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "ml_http_requests", "HTTP requests", ["path", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "ml_http_request_duration_seconds",
            "HTTP request latency",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter("ml_predictions", "Predicted rows by class", ["class_label"], registry=self.registry)
        self.reloads = Counter("ml_model_reloads", "Model reload attempts", ["result"], registry=self.registry)
        self.model_info = Gauge("ml_model_info", "The served model", ["version", "sha256"], registry=self.registry)
        self.registry.register(DriftCollector(holder))
        self._request_children: dict[tuple[str, str, int], Callable[[], None]] = {}
        self._latency_children: dict[str, Callable[[float], None]] = {}
        self._class_children: dict[str, Callable[[float], None]] = {}

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        key = (path, method, status)
        inc = self._request_children.get(key)
        if inc is None:
            inc = self._request_children[key] = self.requests.labels(path, method, str(status)).inc
        inc()
        observe = self._latency_children.get(path)
        if observe is None:
            observe = self._latency_children[path] = self.latency.labels(path).observe
        observe(seconds)

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
