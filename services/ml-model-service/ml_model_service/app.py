"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ml_model_service import __version__
from ml_model_service.errors import ApiError, code_for_status, error_body
from ml_model_service.fastpath import ServiceMiddleware
from ml_model_service.prefix import StripPathPrefix
from ml_model_service.routers import admin, health, predict, sagemaker, v2
from ml_model_service.runtime import Runtime
from ml_model_service.schemas import bound_to_model
from ml_model_service.settings import Settings

log = logging.getLogger("ml_model_service")


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _error_response(request: Request, exc: ApiError) -> Response:
    return Response(
        error_body(exc.code, exc.message, exc.field, _request_id(request)),
        exc.status,
        headers=exc.headers,
        media_type="application/json",
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        error = ApiError(422, "invalid_request", first.get("msg", "invalid request"), field)
        return _error_response(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        error = ApiError(exc.status_code, code_for_status(exc.status_code), str(exc.detail), None)
        error.headers = dict(exc.headers or {})
        return _error_response(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc, extra={"request_id": _request_id(request)})
        return _error_response(request, ApiError(500, "internal_error", "internal server error"))


def _model_openapi(app: FastAPI, runtime: Runtime) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document, bounded to the served model's features (rebuilt when they change)."""
    cache: dict[tuple, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        model = runtime.holder.model
        key = (model.n_features, model.input_name) if model is not None else ()
        if key not in cache:
            cache.clear()
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            if model is not None:
                schema = bound_to_model(schema, *key, runtime.settings.max_batch_size)
            cache[key] = schema
        return cache[key]

    return openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = Runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Any bundle problem (sha256 mismatch included) raises here: the service does not start.
        await asyncio.to_thread(runtime.load_initial)
        poller = None
        if settings.model_ssm_parameter:
            poller = asyncio.create_task(runtime.poll_ssm(), name="model-pointer-poller")
        try:
            yield
        finally:
            if runtime.access_log is not None:
                runtime.access_log.flush()
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    app = FastAPI(
        title="ml-model-service",
        version=__version__,
        description=(
            "Serves an ONNX model bundle: app API (/predict), SageMaker container contract "
            "(/ping, /invocations) and the Open Inference Protocol V2 (/v2)."
        ),
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry hook checks its providers on every request (~20 us);
        # this service exports Prometheus metrics instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    fast_routes = {}
    for module in (health, predict, sagemaker, v2, admin):
        app.include_router(module.router)
        fast_routes.update(getattr(module, "FAST_ROUTES", {}))
    app.openapi = _model_openapi(app, runtime)
    _install_error_handlers(app)
    app.add_middleware(ServiceMiddleware, runtime=runtime, routes=fast_routes)
    if settings.path_prefix.strip("/"):
        app.add_middleware(StripPathPrefix, prefix=settings.path_prefix)
    return app
