"""What a live server leaves behind when it could not stop its components itself.

The server stops its containers and HAProxy on SIGTERM, but a server killed (SIGKILL, a crash, or
the end of the bounded wait in ``server.stop``) leaves them running. ``server.stop`` calls
``remove_leftovers`` once the process is gone: the containers by their owner label, HAProxy by its
PID file, checked to still be our HAProxy before it is signalled.
"""

import contextlib
import os
import signal
import time
from pathlib import Path

from offline_aws.live.containers import Engine, EngineError

HAPROXY_STOP_SECONDS = 10


def remove_leftovers(live):
    """Remove the containers and stop the HAProxy of the live configuration ``live`` (the
    ``state_dir`` and ``environment`` given to the runtime); returns what it found, for the log."""
    state_dir = Path(live["state_dir"]).resolve()
    containers = 0
    with contextlib.suppress(EngineError, OSError):
        containers = Engine(owner=str(state_dir), environment=live.get("environment", {})).remove_all()
    haproxy = _stop_haproxy(state_dir)
    return {"containers": containers, "haproxy": haproxy}


def _stop_haproxy(state_dir):
    record = state_dir / "haproxy.pid"
    try:
        pid = int(record.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    if not _is_our_haproxy(pid, state_dir):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + HAPROXY_STOP_SECONDS
        while time.monotonic() < deadline:
            if not _is_our_haproxy(pid, state_dir):
                record.unlink(missing_ok=True)
                return True
            time.sleep(0.1)
    return True


def _is_our_haproxy(pid, state_dir):
    """A recorded PID may have been reused: ours runs haproxy with the configuration in state_dir
    (a zombie no longer counts)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            arguments = cmdline.read().split(b"\0")
    except OSError:
        return False
    if not arguments or not arguments[0].endswith(b"haproxy"):
        return False
    configuration = state_dir / "haproxy.cfg"
    return any(a.endswith(b"haproxy.cfg") and Path(os.fsdecode(a)).resolve() == configuration for a in arguments)
