"""POST /admin/reload: load a new bundle beside the served one and swap (token protected)."""

from __future__ import annotations

import asyncio
import hmac

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ml_model_service.bundle import BundleError, BundleIntegrityError
from ml_model_service.errors import ApiError
from ml_model_service.inputs import parse_json, require_json
from ml_model_service.runtime import VersionMismatchError
from ml_model_service.schemas import ERRORS, ReloadRequest, body_doc

router = APIRouter(tags=["admin"])


def _authorize(request: Request) -> None:
    token = request.app.state.runtime.settings.admin_token
    if token is None:
        raise ApiError(404, "not_found", "admin reload is disabled (no ADMIN_TOKEN)", None)
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(
            401, "unauthorized", "a bearer token is required", "authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    if not hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode()):
        raise ApiError(
            401, "unauthorized", "the bearer token is not valid", "authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip


@router.post(
    "/admin/reload", openapi_extra=body_doc(ReloadRequest),
    responses={401: ERRORS[400], 404: ERRORS[404], 422: ERRORS[422]},
)  # fmt: skip
async def reload(request: Request) -> Response:
    """Load the bundle at `uri` (verifying `sha256`), then swap it in atomically.

    Requests in flight finish on the old model. When the bundle is bad, the old model keeps
    serving and the answer is 422 with the reason.
    """
    _authorize(request)
    require_json(request.headers.get("content-type", "").encode("latin-1") or None)
    payload = parse_json(await request.body())
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_request", "the body must be a JSON object", None)
    for key in ("uri", "sha256", "version"):
        value = payload.get(key)
        if value is not None and not isinstance(value, str):
            raise ApiError(422, "invalid_field", f"{key} must be a string", key)
    if not payload.get("uri"):
        raise ApiError(422, "missing_field", "the body needs a 'uri'", "uri")
    runtime = request.app.state.runtime
    try:
        status = await asyncio.to_thread(
            runtime.reload, payload["uri"], payload.get("sha256"), "admin", payload.get("version")
        )
    except BundleIntegrityError as exc:
        raise ApiError(422, "bundle_integrity_error", str(exc), "sha256") from None
    except VersionMismatchError as exc:
        raise ApiError(422, "version_mismatch", str(exc), "version") from None
    except BundleError as exc:
        raise ApiError(422, "bundle_error", str(exc), "uri") from None
    return Response(orjson.dumps(status), media_type="application/json")
