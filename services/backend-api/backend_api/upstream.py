"""One pooled keep-alive HTTP/1.1 client for the ML service, on asyncio and httptools.

Why not httpx: measured here, httpx.AsyncClient spent 3.8-14 ms of CPU per request with 8-64
concurrent requests on its pool (the ML service itself answers in ~0.1 ms), which capped the
backend at ~250 requests/s. This client does only what the backend needs: POST/GET to one
upstream with a known body, keep-alive connections reused from a bounded pool, one deadline per
attempt (the wait for a pooled connection included), and a clear error for every way a call can
fail. httptools (from uvicorn[standard]) parses the responses.
"""

from __future__ import annotations

import asyncio
from collections import deque
from urllib.parse import urlsplit

import httptools


class UpstreamError(Exception):
    """A call that did not produce a response. ``kind`` says why; ``sent`` whether bytes left."""

    def __init__(self, kind: str, message: str, sent: bool) -> None:
        super().__init__(message)
        self.kind = kind  # "connect" | "timeout" | "closed" | "stale" | "protocol" | "oversized"
        self.sent = sent


class UpstreamResponse:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class _Connection(asyncio.Protocol):
    def __init__(self, max_response_bytes: int) -> None:
        self.max_response_bytes = max_response_bytes
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.keep_alive = True
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._status = 0

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError("protocol", f"malformed response from the ML service: {exc}", True))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(UpstreamError("closed", "the ML service closed the connection", True))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._headers = []
        self._body = []
        self._size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length" and value.strip().isdigit() and int(value) > self.max_response_bytes:
            self._oversized()
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.max_response_bytes:  # chunked, or more than its content-length said
            self._oversized()
            return
        self._body.append(body)

    def _oversized(self) -> None:
        limit = self.max_response_bytes
        self._fail(UpstreamError("oversized", f"the ML service's answer exceeds {limit} bytes", True))
        self.close()

    def on_message_complete(self) -> None:
        self.keep_alive = self._parser.should_keep_alive()
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(UpstreamResponse(self._status, self._headers, b"".join(self._body)))

    def _fail(self, error: UpstreamError) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def send(self, data: bytes) -> asyncio.Future:
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """Keep-alive connections to one ``http://host:port`` base URL, at most ``max_connections``.

    An answer longer than ``max_response_bytes`` (declared or streamed) fails the call.
    """

    def __init__(self, base_url: str, max_connections: int = 64, max_response_bytes: int = 8_000_000) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"ML_SERVICE_URL must be http://host[:port], got {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        netloc = self.host if parts.port is None else f"{self.host}:{self.port}"
        self._host_header = netloc.encode()
        self.max_response_bytes = max_response_bytes
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(max_connections)
        self._all: set[_Connection] = set()

    async def _connect(self, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self.max_response_bytes), self.host, self.port
                )
        except TimeoutError:
            raise UpstreamError("timeout", "connecting to the ML service timed out", False) from None
        except OSError as exc:
            raise UpstreamError("connect", f"cannot connect to the ML service: {exc.strerror or exc}", False) from None
        self._all.add(connection)
        return connection

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
            self._all.discard(connection)
        return None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: list[tuple[bytes, bytes]] | None = None,
        timeout: float = 2.0,
    ) -> UpstreamResponse:
        head = [
            f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode(),
            b"host: ",
            self._host_header,
            b"\r\ncontent-length: ",
            str(len(body)).encode(),
            b"\r\n",
        ]
        for name, value in headers or ():
            head += (name, b": ", value, b"\r\n")
        head.append(b"\r\n")
        payload = b"".join(head) + body
        connection: _Connection | None = None
        reused = False
        # One deadline for the whole call: waiting for a pooled slot, connecting, answering.
        try:
            async with asyncio.timeout(timeout):
                async with self._slots:
                    connection = self._take_idle()
                    reused = connection is not None
                    try:
                        if connection is None:
                            connection = await self._connect(timeout)
                        response = await connection.send(payload)
                    except BaseException:
                        if connection is not None:
                            self._discard(connection)
                        raise
                    if connection.keep_alive and not connection.closed:
                        self._idle.append(connection)
                    else:
                        self._discard(connection)
                    return response
        except TimeoutError:
            sent = connection is not None
            where = "answer" if sent else "free a pooled connection"
            raise UpstreamError("timeout", f"the ML service did not {where} within {timeout:g}s", sent) from None
        except UpstreamError as exc:
            if reused and exc.kind == "closed":
                # An idle keep-alive connection that the server had closed: nothing was processed.
                exc.kind = "stale"
            raise

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._all.discard(connection)

    async def aclose(self) -> None:
        for connection in list(self._all):
            connection.close()
        self._all.clear()
        self._idle.clear()
        await asyncio.sleep(0)
