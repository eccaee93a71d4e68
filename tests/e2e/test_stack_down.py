"""make down stops everything make up started: the offline AWS, the registry, HAProxy, the tasks' containers."""

import json
import os
import subprocess

from tests.e2e.stack import REPO, STATE, alive, make
from tests.e2e.test_make_up import live_report


def test_make_down_leaves_no_process(stack):
    _, env = stack
    report = live_report(env)
    pids = [json.loads((STATE / "server.json").read_text())["pid"]]
    pids.append(int((REPO / ".build" / "registry" / "registry.pid").read_text()))
    pids.append(int(report["elb"]["haproxy_pid"]))
    containers = [t["container"] for t in report["ecs"]["tasks"] if t["phase"] == "RUNNING"]
    assert containers and all(alive(pid) for pid in pids)
    make("down", timeout=300)
    assert [pid for pid in pids if alive(pid)] == []
    assert not (STATE / "server.json").exists()
    engine_env = dict(os.environ, **dict(line.split("=", 1) for line in subprocess.run(
        ["scripts/images/env.sh"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.replace("export ", "").splitlines()))  # fmt: skip
    listed = subprocess.run(["podman", "ps", "--all", "--quiet"], env=engine_env, capture_output=True, text=True)
    assert not [c for c in containers if any(line.startswith(c) for line in listed.stdout.split())]
