"""The request pipeline around every endpoint, and the direct route for the hot endpoints.

``ServiceMiddleware`` is a pure ASGI middleware: it gives each request an id (``X-Request-ID``,
propagated when the client sends a sane one), counts and times it in Prometheus, writes one JSON
log line, enforces the body size limit and maps errors to the one JSON error shape.

``/api/predict``, ``/api/predict/batch`` and ``/health`` are dispatched from here straight to
their handlers: FastAPI's routing and dependency machinery would cost more per request than the
forwarding itself. The same handlers are also mounted as FastAPI routes, which give the OpenAPI
document and serve any request that reaches FastAPI.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend_api.errors import ApiError, error_body

log = logging.getLogger("backend_api")

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")
JSON = b"application/json"


class ClientDisconnected(Exception):
    pass


class Call:
    """What a handler needs to know about one request."""

    __slots__ = ("scope", "receive", "content_type", "content_length", "api_key", "request_id")

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        content_type: bytes | None,
        content_length: int | None,
        api_key: bytes | None,
        request_id: str,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.content_type = content_type
        self.content_length = content_length
        self.api_key = api_key
        self.request_id = request_id

    async def body(self, limit: int) -> bytes:
        if self.content_length is not None and self.content_length > limit:
            raise ApiError(413, "payload_too_large", f"the body exceeds {limit} bytes", "body")
        message = await self.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        body = message.get("body", b"")
        if not message.get("more_body", False) and len(body) <= limit:
            return body
        chunks = [body]
        size = len(body)
        while message.get("more_body", False):
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"the body exceeds {limit} bytes", "body")
        return b"".join(chunks)


# A handler answers (status, body, content type).
Handler = Callable[[Any, Call], Awaitable[tuple[int, bytes, bytes]]]


def _headers(scope: dict[str, Any]) -> tuple[bytes | None, int | None, bytes | None, bytes | None]:
    request_id = content_type = api_key = None
    content_length: int | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            try:
                content_length = int(value)
            except ValueError:
                content_length = None
        elif name == b"x-request-id":
            request_id = value
        elif name == b"x-api-key":
            api_key = value
    return request_id, content_length, content_type, api_key


def _request_id(candidate: bytes | None) -> str:
    if candidate is not None and _REQUEST_ID.match(candidate):
        return candidate.decode("ascii")
    return os.urandom(16).hex()


class ServiceMiddleware:
    def __init__(self, app: Any, runtime: Any, routes: dict[tuple[str, str], Handler]) -> None:
        self.app = app
        self.runtime = runtime
        self.routes = routes
        self.max_body = runtime.settings.max_body_bytes
        self.access_log = runtime.access_log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        raw_id, content_length, content_type, api_key = _headers(scope)
        request_id = _request_id(raw_id)
        method = scope["method"]
        handler = self.routes.get((method, scope["path"]))
        status = 500
        if handler is not None:
            route_path = scope["path"]
            call = Call(scope, receive, content_type, content_length, api_key, request_id)
            extra: list[tuple[bytes, bytes]] = []
            try:
                status, body, media_type = await handler(self.runtime, call)
            except ApiError as exc:
                status, body, media_type = exc.status, self._error(exc, request_id), JSON
                if exc.headers:
                    extra = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
            except ClientDisconnected:
                status = 499
                self._finish(route_path, method, status, start, request_id, scope)
                return
            except Exception:
                log.exception("unhandled error", extra={"request_id": request_id})
                status, media_type = 500, JSON
                body = error_body("internal_error", "internal server error", None, request_id)
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", media_type),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", request_id.encode()),
                        *extra,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            self._finish(route_path, method, status, start, request_id, scope)
            return

        # Everything else goes through FastAPI, with the same id, limit and error shape.
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["request_id"] = request_id
        id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            if content_length is not None and content_length > self.max_body:
                exc = ApiError(413, "payload_too_large", f"the body exceeds {self.max_body} bytes", "body")
                await Response(self._error(exc, request_id), 413, media_type="application/json")(
                    scope, receive, send_with_id
                )
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        finally:
            route = scope.get("route")
            self._finish(getattr(route, "path", "unmatched"), method, status, start, request_id, scope)

    def _limited(self, receive: Any) -> Any:
        limit = self.max_body
        seen = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, "payload_too_large", f"the body exceeds {limit} bytes", "body")
            return message

        return limited_receive

    @staticmethod
    def _error(exc: ApiError, request_id: str) -> bytes:
        return error_body(exc.code, exc.message, exc.field, request_id)

    def _finish(self, route_path: str, method: str, status: int, start: float, request_id: str, scope: Any) -> None:
        elapsed = time.perf_counter() - start
        self.runtime.metrics.observe_request(route_path, method, status, elapsed)
        if self.access_log is not None:
            self.access_log.write(
                time.time(),
                {
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000.0, 3),
                },
            )


def as_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The same handler as a FastAPI/Starlette endpoint (for OpenAPI, 405s and direct mounts)."""

    async def endpoint(request: Request) -> Response:
        raw_id, content_length, content_type, api_key = _headers(request.scope)
        request_id = getattr(request.state, "request_id", None) or _request_id(raw_id)
        call = Call(request.scope, request.receive, content_type, content_length, api_key, request_id)
        status, body, media_type = await handler(request.app.state.runtime, call)
        return Response(body, status, media_type=media_type.decode())

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
