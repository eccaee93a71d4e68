"""The images' HEALTHCHECK command: 0 for a live service, 1 for anything else, within its timeout."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time

import pytest
from service_kit.healthcheck import main


@pytest.fixture
def health_server():
    """A server whose /health answers ``state["status"]``."""
    state = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            status = state["status"] if self.path == "/health" else 404
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], state
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_live_service_is_healthy(health_server):
    port, _ = health_server
    assert main([str(port)]) == 0


def test_a_failing_or_absent_service_is_not(health_server):
    port, state = health_server
    state["status"] = 500
    assert main([str(port)]) == 1
    assert main([str(closed_port())]) == 1


def test_a_bad_argument_is_a_usage_error(capsys):
    assert main([]) == 2 and main(["http://x"]) == 2
    assert "usage" in capsys.readouterr().err


def test_as_the_image_runs_it(health_server):
    port, _ = health_server
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "service_kit.healthcheck", str(port)], timeout=30, check=False)
    assert done.returncode == 0 and time.monotonic() - start < 30
