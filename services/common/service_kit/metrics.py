"""Request metrics in a registry per app, so that several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (
    0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip


class RequestMetrics:
    """``<prefix>_http_requests_total`` by path, method and status, and a latency histogram by path.

    The labelled children are cached: prometheus_client's ``labels()`` costs more than the
    increment itself on the hot path.
    """

    def __init__(self, prefix: str, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            f"{prefix}_http_requests", "HTTP requests", ["path", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            f"{prefix}_http_request_duration_seconds", "HTTP request latency", ["path"],
            buckets=buckets, registry=self.registry,
        )  # fmt: skip
        self._request_children: dict[tuple[str, str, int], Callable[[], None]] = {}
        self._latency_children: dict[str, Callable[[float], None]] = {}

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
