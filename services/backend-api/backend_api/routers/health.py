"""Liveness and readiness."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from service_kit.errors import error_body
from service_kit.fastpath import JSON, Call, fast_route


async def health(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Liveness: the process answers. Does not depend on the ML service."""
    return 200, b'{"status":"ok"}', JSON


router = APIRouter(tags=["operations"])
fast_route(router, "GET", "/health", health)


@router.get("/ready")
async def ready(request: Request) -> Response:
    """Readiness: 200 when the prediction backend (ML service or SageMaker) is ready, else 503."""
    runtime = request.app.state.runtime
    request_id = getattr(request.state, "request_id", None) or ""
    if await runtime.forwarder.ready(request_id):
        return Response(orjson.dumps({"ready": True, "backend": runtime.backend_kind}), media_type="application/json")
    body = error_body("upstream_unavailable", "the prediction backend is not ready", None, request_id)
    return Response(body, 503, media_type="application/json")
