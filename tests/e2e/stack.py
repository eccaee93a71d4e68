"""The stack the e2e tests share: `make up` once for the session (its own offline AWS state dir),
`make down` at the end, also after a failure. The files run in name order: test_make_up.py,
test_rollouts_under_load.py, then test_stack_down.py (make down, and nothing left running)."""

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".build" / "e2e-aws"
UP_TIMEOUT = 1200


def make(*targets, timeout=UP_TIMEOUT):
    result = subprocess.run(
        ["make", "--no-print-directory", *targets, f"STATE={STATE}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = f"{result.stdout[-15000:]}\n{result.stderr[-5000:]}"
    assert result.returncode == 0, f"make {' '.join(targets)} failed:\n{output}"
    return result.stdout


def alive(pid):
    """True while pid runs (a zombie, never reaped because PID 1 here does not reap, is stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="session")
def stack():
    make("down", timeout=300)
    try:
        output = make("up")
        env = dict(line.removeprefix("export ").split("=", 1) for line in (STATE / "env.sh").read_text().splitlines())
        yield output, env
    finally:
        # Also after a failed make up: what it started (registry, offline AWS, containers) stops.
        make("down", timeout=300)
