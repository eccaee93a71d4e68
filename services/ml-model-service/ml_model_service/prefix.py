"""Serve the same routes under a path prefix (``PATH_PREFIX``, e.g. ``/ml``).

The load balancer forwards ``/ml/*`` to this service without rewriting the path, so behind it a
request arrives as ``/ml/predict``. The prefix is stripped before routing (and kept in
``root_path`` for the OpenAPI docs); requests without it are served as they are, so health checks
on ``/health`` and the SageMaker contract (``/ping``, ``/invocations``) keep working.
"""

from __future__ import annotations


class StripPathPrefix:
    def __init__(self, app, prefix: str) -> None:
        self.app = app
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    async def __call__(self, scope, receive, send):
        if self.prefix and scope["type"] in ("http", "websocket"):
            path = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope = dict(scope)
                scope["path"] = path[len(self.prefix) :] or "/"
                scope["raw_path"] = scope["path"].encode()
                scope["root_path"] = scope.get("root_path", "") + self.prefix
        await self.app(scope, receive, send)
