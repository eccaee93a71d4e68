"""`offline_aws stop` (make down) removes what a live server's components started even when the
server could not stop them itself: killed, or past the bounded wait for its SIGTERM.

Both tests fail without offline_aws/live/leftovers.py: stop only signalled the server's PID, so a
server that died with running tasks left their containers and its HAProxy running (a fresh CI
machine saw one container survive `make down`).
"""

import os
import shutil
import signal
import subprocess
import time

import boto3

from offline_aws import server
from tests.harness.test_live_ecs_agent import ENGINE_ENV, SERVE, _register, _service

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"  # make images-bootstrap installs it


def _owned_containers(live_dir):
    listed = subprocess.run(
        ["podman", "ps", "--all", "--quiet", "--filter", f"label=offline-aws.owner={live_dir.resolve()}"],
        capture_output=True, text=True, env={**os.environ, **ENGINE_ENV}, check=True, timeout=60,
    )  # fmt: skip
    return listed.stdout.split()


def _kill(pid):
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):  # bounded: 10 s
        if not server._alive(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} survived SIGKILL")


def test_stop_removes_the_containers_of_a_server_that_was_killed(tmp_path, monkeypatch):
    live = server.live_settings(tmp_path, ENGINE_ENV)
    live["components"], live["interval"] = ["ecs"], 0.3
    running = server.start(tmp_path, live=live)
    try:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        clients = [boto3.client(name) for name in ("ecs", "ec2", "elbv2")]
        _register(clients[0], SERVE)
        _service(*clients, desired=1)
        for _ in range(180):  # bounded: 90 s
            if _owned_containers(tmp_path / "live"):
                break
            time.sleep(0.5)
        assert _owned_containers(tmp_path / "live"), "the agent never started the task's container"
        _kill(running.pid)
        assert _owned_containers(tmp_path / "live"), "SIGKILL leaves the containers: nothing to prove"
    finally:
        server.stop(tmp_path)
    assert _owned_containers(tmp_path / "live") == []
    assert not (tmp_path / "server.json").exists()


def test_stop_stops_the_haproxy_of_a_server_that_was_killed(tmp_path):
    live = server.live_settings(tmp_path, ENGINE_ENV)
    live["components"] = ["ecs"]  # no load balancer: the HAProxy below is the leftover
    running = server.start(tmp_path, live=live)
    live_dir = tmp_path / "live"
    port = server.free_port()
    (live_dir / "haproxy.cfg").write_text(
        f"global\n  log stdout local0\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n"
        f"  timeout server 5s\nfrontend f\n  bind 127.0.0.1:{port}\n  http-request return status 200\n"
    )
    haproxy = subprocess.Popen(  # noqa: S603 (Debian's haproxy, our configuration)
        [HAPROXY, "-W", "-f", str(live_dir / "haproxy.cfg"), "-p", str(live_dir / "haproxy.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):  # bounded: 10 s
            if (live_dir / "haproxy.pid").exists() and (live_dir / "haproxy.pid").read_text().strip():
                break
            time.sleep(0.1)
        _kill(running.pid)
        server.stop(tmp_path)
        haproxy.wait(timeout=30)
    finally:
        if haproxy.poll() is None:
            haproxy.kill()
            haproxy.wait(timeout=10)
    assert haproxy.returncode is not None
