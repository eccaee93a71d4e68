"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from service_kit.fastpath import ServiceMiddleware, fast_routes
from service_kit.handlers import install_error_handlers
from service_kit.logs import AccessLog

from backend_api import __version__
from backend_api.auth import resolve_api_key
from backend_api.forward import MlServiceForwarder, SageMakerForwarder
from backend_api.metrics import ServiceMetrics
from backend_api.routers import api, health
from backend_api.settings import Settings
from backend_api.upstream import UpstreamPool

log = logging.getLogger("backend_api")


def default_upstream(settings: Settings) -> UpstreamPool:
    """The pooled client to the ML service (called in the lifespan, on the running loop)."""
    return UpstreamPool(settings.ml_service_url, settings.ml_max_connections, settings.ml_max_response_bytes)


class Runtime:
    """What the handlers share: settings, the API key, the one forwarder (pooled client)."""

    def __init__(self, settings: Settings, upstream: Callable[[Settings], Any] = default_upstream) -> None:
        self.settings = settings
        self.upstream = upstream
        self.metrics = ServiceMetrics()
        level = logging.getLevelName(settings.log_level.upper())
        enabled = settings.access_log and (not isinstance(level, int) or level <= logging.INFO)
        self.access_log = AccessLog("backend_api.access") if enabled else None
        self.api_key: bytes = b""
        self.forwarder = None
        self.backend_kind = "sagemaker" if settings.sagemaker_endpoint_name else "ml-service"

    async def start(self) -> None:
        settings = self.settings
        self.api_key = await asyncio.to_thread(resolve_api_key, settings)
        if settings.sagemaker_endpoint_name:
            self.forwarder = await asyncio.to_thread(
                SageMakerForwarder, settings.sagemaker_endpoint_name, settings.ml_timeout_seconds, settings.ml_retries
            )
        else:
            pool = self.upstream(settings)
            self.forwarder = MlServiceForwarder(pool, settings.ml_timeout_seconds, settings.ml_retries)
        log.info("backend ready", extra={"backend": self.backend_kind})

    async def stop(self) -> None:
        if self.forwarder is not None:
            await self.forwarder.aclose()
        if self.access_log is not None:
            self.access_log.flush()


def create_app(settings: Settings | None = None, upstream: Callable[[Settings], Any] = default_upstream) -> FastAPI:
    """``upstream(settings)`` makes the client to the ML service: anything with UpstreamPool's
    ``request()`` and ``aclose()`` (the chain benchmark measures aiohttp's client this way)."""
    settings = settings or Settings()
    runtime = Runtime(settings, upstream)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()  # no API key -> the service refuses to start
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="backend-api",
        version=__version__,
        description="Public API: authenticated predictions forwarded to ml-model-service or SageMaker.",
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry hook checks its providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.runtime = runtime
    for module in (health, api):
        app.include_router(module.router)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Prometheus: requests by path and status, latency histogram."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    install_error_handlers(app, log)
    app.add_middleware(ServiceMiddleware, runtime=runtime, routes=fast_routes(app))
    return app
