"""Run every integration target against a freshly reset offline AWS.

A target is an ansible-test style role under tests/integration/targets/<name>/ (tasks/main.yml,
optional defaults/, files/, aliases). Its tasks assert what they prove with ansible.builtin.assert;
this file only runs each one and fails with the play's output when a task fails.
Run one: `.venv/bin/python -m pytest tests/integration -k sagemaker_endpoint`.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TARGETS = REPO / "tests" / "integration" / "targets"
PLAY_TIMEOUT_SECONDS = 600


def discover_targets():
    if not TARGETS.is_dir():
        return []
    names = []
    for target in sorted(TARGETS.iterdir()):
        aliases = (target / "aliases").read_text().split() if (target / "aliases").exists() else []
        if (target / "tasks" / "main.yml").exists() and "disabled" not in aliases:
            names.append(target.name)
    return names


@pytest.mark.parametrize("target", discover_targets())
def test_integration_target(target, aws):
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_ROLES_PATH=str(TARGETS),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
    )
    result = subprocess.run(
        [
            str(bin_dir / "ansible-playbook"),
            str(REPO / "tests" / "integration" / "run_target.yml"),
            "-i",
            str(REPO / "inventories" / "local"),
            "-e",
            f"target_name={target}",
            "-e",
            f"aws_endpoint_url={aws.endpoint}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=PLAY_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, f"target {target} failed:\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}"
