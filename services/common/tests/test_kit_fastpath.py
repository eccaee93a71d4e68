"""The kit's fast path: one declaration serves the fast path and FastAPI's OpenAPI alike."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from service_kit.errors import ApiError
from service_kit.fastpath import JSON, Call, ServiceMiddleware, fast_route, fast_routes
from service_kit.handlers import install_error_handlers


class Metrics:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        self.seen.append((path, method, status))


async def echo(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Echo the body."""
    body = await call.body(runtime.settings.max_body_bytes)
    if body == b"refuse":
        raise ApiError(401, "unauthorized", "no", "authorization", headers={"WWW-Authenticate": "Bearer"})
    return 200, body, JSON


def make_app() -> tuple[FastAPI, SimpleNamespace]:
    runtime = SimpleNamespace(settings=SimpleNamespace(max_body_bytes=64), metrics=Metrics(), access_log=None)
    app = FastAPI()
    app.state.runtime = runtime
    router = APIRouter(prefix="/api")
    fast_route(router, "POST", "/echo", echo, responses={401: {"description": "refused"}})
    app.include_router(router)
    install_error_handlers(app, __import__("logging").getLogger("test"))
    app.add_middleware(ServiceMiddleware, runtime=runtime, routes=fast_routes(app))
    return app, runtime


def test_one_declaration_gives_the_fast_path_and_the_openapi_entry():
    app, _ = make_app()
    assert fast_routes(app) == {("POST", "/api/echo"): echo}
    operation = app.openapi()["paths"]["/api/echo"]["post"]
    assert operation["description"] == "Echo the body." and "401" in operation["responses"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_fast_path_answers_with_the_errors_headers_and_the_body_limit(anyio_backend):
    app, runtime = make_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit") as client:
        ok = await client.post("/api/echo", content=b'{"a":1}', headers={"X-Request-ID": "kit-1"})
        refused = await client.post("/api/echo", content=b"refuse")
        too_big = await client.post("/api/echo", content=b"x" * 65)
        wrong_method = await client.get("/api/echo")
    assert ok.content == b'{"a":1}' and ok.headers["x-request-id"] == "kit-1"
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["error"] == {"code": "unauthorized", "message": "no", "field": "authorization"}
    assert too_big.status_code == 413 and too_big.json()["error"]["field"] == "body"
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    # Served by the fast path (the route path is the request path), not FastAPI's router.
    assert runtime.metrics.seen[:3] == [
        ("/api/echo", "POST", 200),
        ("/api/echo", "POST", 401),
        ("/api/echo", "POST", 413),
    ]
