"""FastAPI's errors in the one error shape (the fast path answers the same shape itself)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service_kit.errors import ApiError, code_for_status, error_body


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(request: Request, exc: ApiError) -> Response:
    body = error_body(exc.code, exc.message, exc.field, _request_id(request))
    return Response(body, exc.status, headers=exc.headers, media_type="application/json")


def install_error_handlers(app: FastAPI, log: logging.Logger) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        return error_response(request, ApiError(422, "invalid_request", first.get("msg", "invalid request"), field))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        error = ApiError(exc.status_code, code_for_status(exc.status_code), str(exc.detail), None)
        error.headers = dict(exc.headers or {})
        return error_response(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc, extra={"request_id": _request_id(request)})
        return error_response(request, ApiError(500, "internal_error", "internal server error"))
