"""POST /admin/reload: load a new bundle beside the served one and swap (token protected)."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from service_kit.errors import ApiError

from ml_model_service.bundle import BundleError, BundleIntegrityError
from ml_model_service.runtime import Runtime, RuntimeDep, VersionMismatchError
from ml_model_service.schemas import ERRORS, ReloadRequest

router = APIRouter(tags=["admin"])
# auto_error=False: the answers stay in the service's error shape (and 404 while disabled).
bearer = HTTPBearer(auto_error=False, scheme_name="AdminToken", description="the ADMIN_TOKEN setting")
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def authorized(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Runtime:
    """The runtime, once the bearer token matches ADMIN_TOKEN (checked before the body is read)."""
    token = runtime.settings.admin_token
    if token is None:
        raise ApiError(404, "not_found", "admin reload is disabled (no ADMIN_TOKEN)", None)
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", "a bearer token is required", "authorization", headers=UNAUTHORIZED)
    given = credentials.credentials.strip().encode()
    if not hmac.compare_digest(given, token.get_secret_value().encode()):
        raise ApiError(401, "unauthorized", "the bearer token is not valid", "authorization", headers=UNAUTHORIZED)
    return runtime


@router.post("/admin/reload", responses={400: ERRORS[400], 401: ERRORS[400], 404: ERRORS[404], 422: ERRORS[422]})
async def reload(runtime: Annotated[Runtime, Depends(authorized)], request: ReloadRequest) -> Response:
    """Load the bundle at `uri` (verifying `sha256`), then swap it in atomically.

    Requests in flight finish on the old model. When the bundle is bad, the old model keeps
    serving and the answer is 422 with the reason.
    """
    if not request.uri:
        raise ApiError(422, "missing_field", "the body needs a 'uri'", "uri")
    try:
        status = await asyncio.to_thread(runtime.reload, request.uri, request.sha256, "admin", request.version)
    except BundleIntegrityError as exc:
        raise ApiError(422, "bundle_integrity_error", str(exc), "sha256") from None
    except VersionMismatchError as exc:
        raise ApiError(422, "version_mismatch", str(exc), "version") from None
    except BundleError as exc:
        raise ApiError(422, "bundle_error", str(exc), "uri") from None
    return Response(orjson.dumps(status), media_type="application/json")
