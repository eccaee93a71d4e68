"""Prometheus metrics in a registry per app: api_http_requests_total and the latency histogram."""

from __future__ import annotations

from service_kit.metrics import RequestMetrics

# backend-api's buckets start at 0.5 ms: a forwarded call costs at least a round trip.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics(RequestMetrics):
    def __init__(self) -> None:
        super().__init__("api", LATENCY_BUCKETS)
