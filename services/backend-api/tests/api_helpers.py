"""Helpers for the backend-api tests: a scriptable stand-in ML service on 127.0.0.1.

(A uniquely named module: two services' test folders run in one pytest session.)
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from pathlib import Path

SERVICE_ROOT = Path(__file__).resolve().parents[1]
if str(SERVICE_ROOT) not in sys.path:
    sys.path.insert(0, str(SERVICE_ROOT))

import uvicorn  # noqa: E402
from backend_api.settings import Settings  # noqa: E402

API_KEY = "test-key-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(**overrides) -> Settings:
    values = {"api_key": API_KEY, "access_log": False, "ml_timeout_seconds": 2.0, "ml_retries": 2}
    values.update(overrides)
    return Settings(**values)


class StubMlService:
    """An ASGI app served by uvicorn in a thread; ``mode`` decides each answer.

    ok: a prediction echoing the request id it received; slow: sleeps ``delay`` first;
    status:<n>: an error body with that status; flaky: 503 for the first ``failures`` calls,
    then ok; html: a 200 that is not JSON (a proxy's page), html:<n> the same with status n (an
    ALB's own 503 page); garbage: bytes that are not HTTP.
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 1.0
        self.failures = 0
        self.calls: list[dict] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", interface="asgi3"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def app(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.calls.append({"path": scope["path"], "headers": headers, "body": body})
        mode = self.mode
        status, payload = 200, {}
        if mode == "flaky" and self.failures > 0:
            self.failures -= 1
            mode = "status:503"
        if mode == "slow":
            await asyncio.sleep(self.delay)
        if mode.startswith("status:"):
            status = int(mode.split(":")[1])
            payload = {"error": {"code": "stub_error", "message": "stub", "field": "features"},
                       "request_id": headers.get("x-request-id")}  # fmt: skip
        elif scope["path"] == "/ready":
            payload = {"ready": True}
        else:
            payload = {"prediction": 1, "confidence": 0.9, "probabilities": {"0": 0.1, "1": 0.9},
                       "model_version": "stub-7", "seen_request_id": headers.get("x-request-id")}  # fmt: skip
        data = json.dumps(payload).encode()
        content_type = b"application/json"
        if mode.startswith("html"):
            data, content_type = b"<html><body>502 from a proxy</body></html>", b"text/html"
            status = int(mode.split(":")[1]) if ":" in mode else 200
        headers_out = [(b"content-type", content_type), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers_out})
        await send({"type": "http.response.body", "body": data})

    def start(self) -> StubMlService:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("stub ML service did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class GarbageServer:
    """Answers every connection with bytes that are not HTTP, then closes it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    conn.recv(65536)
                    conn.sendall(b"this is not http\r\n\r\n")
                except OSError:
                    pass

    def start(self) -> GarbageServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


class MisbehavingServer:
    """An asyncio HTTP/1.1 server (in a thread) that answers each request as ``mode`` says.

    ok-chunked: a JSON prediction in chunked transfer encoding; close: closes right after reading
    the request; close-mid-body: headers and half the declared body, then closes; stall-mid-body:
    headers and half the body, then nothing; declares-oversized: a content-length of ``size``
    bytes; streams-oversized: an endless chunked body. ``size`` is the oversized figure.
    """

    BODY = b'{"prediction": 1, "confidence": 0.9, "probabilities": {"0": 0.1, "1": 0.9}, "model_version": "odd-1"}'

    def __init__(self, mode: str = "ok-chunked", size: int = 10_000_000) -> None:
        self.mode = mode
        self.size = size
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Future | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stopped = self._loop.create_future()
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self._ready.set()
        async with server:
            await self._stopped
        server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                self.requests += 1
                if not await self._answer(writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _answer(self, writer: asyncio.StreamWriter) -> bool:
        """Write one answer; False closes the connection."""
        body, mode = self.BODY, self.mode
        json_head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        if mode == "ok-chunked":
            half = len(body) // 2
            chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:]))
            writer.write(json_head + b"transfer-encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
            await writer.drain()
            return True
        if mode == "close":
            return False
        if mode in ("close-mid-body", "stall-mid-body"):
            writer.write(json_head + b"content-length: %d\r\n\r\n" % len(body) + body[: len(body) // 2])
            await writer.drain()
            if mode == "stall-mid-body":
                await asyncio.sleep(30)  # the client gives up first; stop() cancels this
            return False
        if mode == "declares-oversized":
            writer.write(json_head + b"content-length: %d\r\n\r\n" % self.size + b"{" + b" " * 1000)
            await writer.drain()
            await asyncio.sleep(30)
            return False
        if mode == "streams-oversized":
            writer.write(json_head + b"transfer-encoding: chunked\r\n\r\n")
            chunk = b" " * 65536
            while True:  # endless: only the client's limit ends it
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        raise ValueError(f"unknown mode {mode!r}")

    def start(self) -> MisbehavingServer:
        self.thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("the misbehaving server did not start")
        return self

    def stop(self) -> None:
        def finish() -> None:
            for task in asyncio.all_tasks(self._loop):
                if task is not asyncio.current_task(self._loop) and task.get_coro().__name__ == "_handle":
                    task.cancel()
            if not self._stopped.done():
                self._stopped.set_result(None)

        self._loop.call_soon_threadsafe(finish)
        self.thread.join(timeout=10)
        self._loop.close()
