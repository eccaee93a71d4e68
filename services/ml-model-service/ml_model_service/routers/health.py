"""Liveness, readiness, model metadata, Prometheus metrics and drift."""

from __future__ import annotations

import time

import orjson
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from service_kit.fastpath import JSON, Call, fast_route

from ml_model_service import __version__
from ml_model_service.routers.predict import served_model
from ml_model_service.runtime import RuntimeDep
from ml_model_service.schemas import ERRORS


async def health(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Liveness: the process answers (whether or not a model is loaded)."""
    uptime = round(time.monotonic() - runtime.holder.started, 3)
    return 200, orjson.dumps({"status": "ok", "uptime_seconds": uptime}), JSON


async def ready(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Readiness: 200 once a verified model is loaded, 503 before."""
    model = served_model(runtime)
    return 200, orjson.dumps({"ready": True, "model_version": model.version}), JSON


router = APIRouter(tags=["operations"])
fast_route(router, "GET", "/health", health)
fast_route(router, "GET", "/ready", ready, responses={503: ERRORS[503]})


@router.get("/metadata", responses={503: ERRORS[503]})
async def metadata(runtime: RuntimeDep) -> Response:
    """The served model's metadata (version, metrics, features, classes, sha256) and reload state."""
    model = served_model(runtime)
    body = {
        **model.describe(),
        "service_version": __version__,
        "last_reload": runtime.holder.last_reload,
        "hot_reload": {
            "ssm_parameter": runtime.settings.model_ssm_parameter,
            "poll_seconds": runtime.settings.model_poll_seconds,
            "admin_enabled": runtime.settings.admin_token is not None,
        },
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(runtime: RuntimeDep) -> Response:
    """Prometheus exposition: requests, latency, predictions by class, drift PSI per feature."""
    payload = generate_latest(runtime.metrics.registry)
    return Response(payload, media_type=CONTENT_TYPE_LATEST)


@router.get("/drift", responses={503: ERRORS[503]})
async def drift(runtime: RuntimeDep) -> Response:
    """PSI per feature over the recent-rows window against the training baseline."""
    model = served_model(runtime)
    report = {"model_version": model.version, **model.drift.report()}
    return Response(orjson.dumps(report), media_type="application/json")
