"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from service_kit.fastpath import ServiceMiddleware, fast_routes
from service_kit.handlers import install_error_handlers

from ml_model_service import __version__
from ml_model_service.prefix import StripPathPrefix
from ml_model_service.routers import admin, health, predict, sagemaker, v2
from ml_model_service.runtime import Runtime
from ml_model_service.schemas import bound_to_model
from ml_model_service.settings import Settings

log = logging.getLogger("ml_model_service")


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
    for module in (health, predict, sagemaker, v2, admin):
        app.include_router(module.router)
    app.openapi = _model_openapi(app, runtime)
    install_error_handlers(app, log)
    app.add_middleware(ServiceMiddleware, runtime=runtime, routes=fast_routes(app))
    if settings.path_prefix.strip("/"):
        app.add_middleware(StripPathPrefix, prefix=settings.path_prefix)
    return app
