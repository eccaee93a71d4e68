"""A docker-registry of a test's own (Debian's docker-registry, the offline stand-in for ECR) on a
free loopback port, stopped by its PID: for tests that push and copy images without touching the
stack's registry on 127.0.0.1:5000."""

import socket
import subprocess
import time

import httpx
import pytest


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def registry(tmp_path):
    """The registry's address (127.0.0.1:<port>)."""
    address = f"127.0.0.1:{free_port()}"
    config = tmp_path / "registry.yml"
    config.write_text(
        f"version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: {tmp_path / 'registry'}}}}}\n"
        f"http: {{addr: {address}}}\n"
    )
    server = subprocess.Popen(
        ["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        for _ in range(150):  # bounded: 150 tries and 15 s
            try:
                httpx.get(f"http://{address}/v2/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=10)
