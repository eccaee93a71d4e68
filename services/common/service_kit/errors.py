"""One error shape for every endpoint: {"error": {"code", "message", "field"}, "request_id"}."""

from __future__ import annotations

import orjson


class ApiError(Exception):
    """An expected failure answered with a 4xx/5xx JSON body (never a stack trace)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_body(code: str, message: str, field: str | None, request_id: str | None) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message, "field": field}, "request_id": request_id})


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


def code_for_status(status: int) -> str:
    return STATUS_CODES.get(status, "error")
