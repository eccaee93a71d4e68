"""Per-app runtime: settings, the served-model holder, metrics and model (re)loading."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
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
    def load_initial(self) -> ServedModel:
        """Load the first model; raises (and the service refuses to start) on any problem."""
        settings = self.settings
        uri, sha256, source = settings.model_uri, settings.model_sha256, "MODEL_URI"
        if settings.model_ssm_parameter and "model_uri" not in settings.model_fields_set:
            pointer = self.read_pointer()
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
        if not isinstance(pointer, dict) or "uri" not in pointer or "version" not in pointer:
            raise PointerError(f'SSM parameter {name} must hold {{"version", "uri", "sha256"}}')
        pointer["version"] = str(pointer["version"])
        return pointer

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
