"""Start, stop and reset the offline AWS; shared by the Makefile and the pytest plugin."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from offline_aws import REGION

START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 10
# A live server stops its components on SIGTERM: HAProxy, then every container (podman rm), which
# takes seconds each on a loaded 2-core machine; its runtime bounds each step, so this bounds the whole.
LIVE_STOP_TIMEOUT_SECONDS = 90


@dataclass
class OfflineAWS:
    endpoint: str
    pid: int

    def environment(self):
        """The variables that point boto3, botocore and Ansible's AWS modules at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # moto answers an unimplemented operation with a 500; do not retry it three times.
            "AWS_MAX_ATTEMPTS": "1",
        }

    def reset(self):
        # Resetting every backend can take seconds on a loaded 2-core machine.
        _post(f"{self.endpoint}/moto-api/reset")


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _post(url, timeout=60):
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 (our loopback server)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our loopback server)
        return response.read()


def _answers(endpoint):
    # moto's config is a few bytes; data.json (every backend's state: 10 MB, ~4 s once the stack
    # is up) made each warm `make up` wait for it.
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/config", timeout=10) as response:  # noqa: S310
            return response.status in (200, 201)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def live_settings(state_dir, environment=None):
    """The live components' configuration (offline_aws/live/runtime.py) for a server in state_dir:
    their files under state_dir/live, the container engine's configuration from ``environment``."""
    return {"state_dir": str(Path(state_dir).resolve() / "live"), "environment": dict(environment or {})}


def start(state_dir=None, port=None, log_path=None, live=None):
    """Launch the server on a free loopback port and wait (bounded) until it answers.

    ``live``: the live components' configuration (``live_settings``), switched on at start."""
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    state_dir = Path(state_dir) if state_dir else None
    if state_dir:
        state_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_path or state_dir / "server.log"
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (child keeps it)
    env = dict(os.environ)
    repo_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo_root, env.get("PYTHONPATH")]))
    if live:
        env["OFFLINE_AWS_LIVE"] = json.dumps(live)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "offline_aws.launcher", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    if log is not subprocess.DEVNULL:
        log.close()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"offline AWS exited with {process.returncode} at start; see {log_path}")
        if _answers(endpoint):
            server = OfflineAWS(endpoint=endpoint, pid=process.pid)
            if state_dir:
                _record(state_dir, server, live)
            return server
        time.sleep(0.2)
    _terminate(process.pid)
    raise RuntimeError(f"offline AWS did not answer on {endpoint} within {START_TIMEOUT_SECONDS}s")


def load(state_dir):
    """The server recorded in state_dir, if its process is still alive and answering."""
    record = Path(state_dir) / "server.json"
    if not record.exists():
        return None
    data = json.loads(record.read_text())
    server = OfflineAWS(endpoint=data["endpoint"], pid=data["pid"])
    if _alive(server.pid) and _answers(server.endpoint):
        return server
    return None


def ensure(state_dir, live=None):
    """Reuse the running server recorded in state_dir, or start one; with ``live``, make sure its
    live components run (a server started without them gets them switched on)."""
    running = load(state_dir)
    if running is None:
        return start(state_dir, live=live)
    if live:
        from offline_aws.live import runtime

        if not runtime.report(running.endpoint).get("config"):
            runtime.configure(running.endpoint, **live)
        _record(Path(state_dir), running, live)
    return running


def _record(state_dir, server, live):
    """server.json: the process and, when live, its components' configuration, so that ``stop``
    can remove what they leave behind; env.sh for the shell."""
    record = {"endpoint": server.endpoint, "pid": server.pid, **({"live": live} if live else {})}
    (state_dir / "server.json").write_text(json.dumps(record))
    _write_env(state_dir, server, live)


def _write_env(state_dir, server, live):
    """env.sh: the server's variables, and where its live components write their files (the local
    inventory and scripts/show_prediction.py read the load balancers' addresses there)."""
    variables = dict(server.environment())
    if live:
        variables["OFFLINE_AWS_LIVE_STATE"] = live["state_dir"]
    (Path(state_dir) / "env.sh").write_text("".join(f"export {k}={v}\n" for k, v in variables.items()))


def stop(state_dir=None, server=None):
    """Stop the server (given, or recorded in state_dir) by PID. A live server's containers and
    HAProxy are removed afterwards too, in case it was killed before it could stop them."""
    live = None
    if state_dir:
        record = Path(state_dir) / "server.json"
        if record.exists():
            data = json.loads(record.read_text())
            live = data.get("live")
            server = server or OfflineAWS(endpoint=data["endpoint"], pid=data["pid"])
    if server is None:
        return False
    _terminate(server.pid, LIVE_STOP_TIMEOUT_SECONDS if live else STOP_TIMEOUT_SECONDS)
    if live:
        from offline_aws.live.leftovers import remove_leftovers

        left = remove_leftovers(live)
        if left["containers"] or left["haproxy"]:
            print(f"removed what the live components left: {left['containers']} container(s), "
                  f"HAProxy {'stopped' if left['haproxy'] else 'not running'}", file=sys.stderr)  # fmt: skip
    if state_dir:
        for name in ("server.json", "env.sh"):
            (Path(state_dir) / name).unlink(missing_ok=True)
    return True


def _alive(pid):
    # A zombie (exited, never reaped: PID 1 here does not reap orphans) counts as stopped.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_offline_aws(pid):
    """True when pid still runs our launcher: a recorded PID may have been reused by anything."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"offline_aws.launcher" in cmdline.read()
    except OSError:
        return False


def _terminate(pid, timeout=STOP_TIMEOUT_SECONDS):
    """SIGTERM, then SIGKILL after a bounded wait; reap it when it is our child."""
    if not _is_offline_aws(pid):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else STOP_TIMEOUT_SECONDS)
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done:
                    return
            except ChildProcessError:
                if not _alive(pid):
                    return
            time.sleep(0.1)
