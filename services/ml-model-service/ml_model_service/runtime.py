"""Per-app runtime: settings, the served-model holder, metrics and model (re)loading."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from service_kit.errors import ApiError
from service_kit.logs import AccessLog

from ml_model_service.bundle import BundleError, BundleIntegrityError
from ml_model_service.metrics import ServiceMetrics
from ml_model_service.model import ModelHolder, ServedModel, load_model
from ml_model_service.settings import Settings

log = logging.getLogger("ml_model_service")


class VersionMismatchError(BundleError):
    """The bundle's metadata version is not the version that was asked for."""


class PointerError(Exception):
    """The SSM parameter cannot be read or does not hold a model pointer."""


# What the model_store role seeds the pointer with until a version is promoted: a fresh
# environment's service starts without a model, reports not-ready and loads the first promotion.
PLACEHOLDER_VERSION = "none"


def is_placeholder(pointer: dict[str, Any]) -> bool:
    return pointer["version"] == PLACEHOLDER_VERSION and not pointer.get("uri")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder = ModelHolder()
        self.metrics = ServiceMetrics(self.holder)
        level = logging.getLevelName(settings.log_level.upper())
        enabled = settings.access_log and (not isinstance(level, int) or level <= logging.INFO)
        self.access_log = AccessLog("ml_model_service.access") if enabled else None
        self._clients: dict[str, Any] = {}
        self._rejected_pointer: tuple[str, str, str | None] | None = None

    # -- AWS clients, created once and only when needed ------------------------------------
    def client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            import boto3

            client = self._clients[service] = boto3.client(service)
        return client

    def _load(self, uri: str, sha256: str | None) -> ServedModel:
        s3 = self.client("s3") if uri.startswith("s3://") else None
        return load_model(uri, sha256, self.settings, s3_client=s3)

    # -- start-up ----------------------------------------------------------------------------
    def load_initial(self) -> ServedModel | None:
        """Load the first model; raises (and the service refuses to start) on any problem.

        The one exception: the pointer is still the placeholder (nothing promoted yet). Then the
        service starts without a model (liveness 200, readiness and predictions 503) and the
        pointer polling loads the first version promoted.
        """
        settings = self.settings
        uri, sha256, source = settings.model_uri, settings.model_sha256, "MODEL_URI"
        if settings.model_ssm_parameter and "model_uri" not in settings.model_fields_set:
            pointer = self.read_pointer()
            if is_placeholder(pointer):
                self.holder.last_reload = {
                    "status": "waiting", "source": "ssm", "uri": None, "version": None,
                    "error": None, "at": _now(),
                }  # fmt: skip
                log.warning(
                    "no model version is promoted yet: serving liveness only, not ready",
                    extra={"ssm_parameter": settings.model_ssm_parameter, "poll_seconds": settings.model_poll_seconds},
                )
                return None
            uri, sha256, source = pointer["uri"], pointer.get("sha256") or sha256, "ssm"
        model = self._load(uri, sha256)
        self.holder.swap(model)
        self.metrics.set_model(model.version, model.sha256)
        self.holder.last_reload = {
            "status": "succeeded", "source": source, "uri": uri, "version": model.version,
            "error": None, "at": _now(),
        }  # fmt: skip
        log.info(
            "model loaded",
            extra={"model_version": model.version, "model_sha256": model.sha256, "uri": uri},
        )
        return model

    # -- hot reload --------------------------------------------------------------------------
    def reload(self, uri: str, sha256: str | None, source: str, expected_version: str | None = None) -> dict[str, Any]:
        """Load a bundle beside the served one and swap it in; blocking (run it in a thread).

        On any failure the served model stays as it is, the failure is recorded in
        ``holder.last_reload`` and BundleError is raised.
        """
        with self.holder.reload_lock:
            previous = self.holder.model
            try:
                model = self._load(uri, sha256)
                if expected_version is not None and model.version != str(expected_version):
                    raise VersionMismatchError(
                        f"the bundle declares version {model.version}, but version {expected_version} was expected"
                    )
            except BundleError as exc:
                self.metrics.reloads.labels("failure").inc()
                self.holder.last_reload = {
                    "status": "failed", "source": source, "uri": uri,
                    "version": expected_version, "error": str(exc), "at": _now(),
                    "integrity": isinstance(exc, BundleIntegrityError),
                }  # fmt: skip
                log.error(
                    "model reload failed; the previous model keeps serving",
                    extra={
                        "uri": uri,
                        "error": str(exc),
                        "served_version": previous.version if previous else None,
                    },
                )
                raise
            self.holder.swap(model)
            self.metrics.set_model(model.version, model.sha256)
            self.metrics.reloads.labels("success").inc()
            status = {
                "status": "succeeded", "source": source, "uri": uri, "version": model.version,
                "previous_version": previous.version if previous else None,
                "model_sha256": model.sha256, "error": None, "at": _now(),
            }  # fmt: skip
            self.holder.last_reload = status
            log.info("model reloaded", extra={k: v for k, v in status.items() if k != "error"})
            return status

    def read_pointer(self) -> dict[str, Any]:
        name = self.settings.model_ssm_parameter
        try:
            value = self.client("ssm").get_parameter(Name=name, WithDecryption=True)
            pointer = json.loads(value["Parameter"]["Value"])
        except ValueError as exc:
            raise PointerError(f"SSM parameter {name} does not hold JSON: {exc}") from exc
        except Exception as exc:  # botocore's ClientError/BotoCoreError and friends
            raise PointerError(f"cannot read SSM parameter {name}: {exc}") from exc
        if not isinstance(pointer, dict) or "version" not in pointer:
            raise PointerError(f'SSM parameter {name} must hold {{"version", "uri", "sha256"}}')
        pointer["version"] = str(pointer["version"])
        if not is_placeholder(pointer) and not pointer.get("uri"):
            raise PointerError(
                f'SSM parameter {name} must hold {{"version", "uri", "sha256"}} '
                f'(or the placeholder {{"version": "{PLACEHOLDER_VERSION}"}} while nothing is promoted)'
            )
        return pointer

    def not_ready_error(self) -> ApiError:
        """503 model_not_ready, saying why no model is served and when to ask again."""
        settings = self.settings
        last = self.holder.last_reload or {}
        if last.get("status") == "failed":
            message = (
                f"no model is served: loading version {last.get('version')} from {last.get('uri')} failed: "
                f"{last.get('error')}; the service loads the next version promoted"
            )
        elif settings.model_ssm_parameter:
            message = (
                f"no model version is promoted yet: SSM parameter {settings.model_ssm_parameter} holds the "
                f'placeholder {{"version": "{PLACEHOLDER_VERSION}"}}; the service loads the first version '
                f"promoted (playbooks/promote_model.yml) within {settings.model_poll_seconds:g} s"
            )
        else:
            message = "no model is loaded yet"
        retry_after = str(max(1, math.ceil(settings.model_poll_seconds)))
        return ApiError(503, "model_not_ready", message, None, headers={"Retry-After": retry_after})

    async def poll_ssm(self) -> None:
        """Follow the SSM pointer: when its version differs from the served one, reload."""
        interval = self.settings.model_poll_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check_pointer()
            except asyncio.CancelledError:
                raise
            except Exception:  # keep polling whatever happens; the error is logged
                log.exception("model pointer check failed")

    async def check_pointer(self) -> dict[str, Any] | None:
        try:
            pointer = await asyncio.to_thread(self.read_pointer)
        except PointerError as exc:
            log.warning("model pointer unreadable", extra={"error": str(exc)})
            return None
        if is_placeholder(pointer):
            return None  # nothing promoted (yet, or again): whatever is served keeps serving
        served = self.holder.model
        sha256 = pointer.get("sha256")
        if (
            served is not None
            and pointer["version"] == served.version
            and (not sha256 or sha256.lower() == served.sha256)
        ):
            return None
        key = (pointer["version"], pointer["uri"], sha256)
        if key == self._rejected_pointer:
            return None  # this exact pointer failed its integrity check; wait for a new one
        try:
            return await asyncio.to_thread(self.reload, pointer["uri"], sha256, "ssm", pointer["version"])
        except BundleError as exc:
            if isinstance(exc, (BundleIntegrityError, VersionMismatchError)):
                self._rejected_pointer = key
            return None


def get_runtime(request: Request) -> Runtime:
    """The app's runtime, for the routes that go through FastAPI (``Depends``)."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
