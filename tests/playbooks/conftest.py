"""Run the collection's playbooks against the offline AWS, as a user would.

    def test_second_run_changes_nothing(run_playbook):
        run_playbook("playbooks/observability.yml").check()
        assert run_playbook("playbooks/observability.yml").check().changed == 0
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from offline_aws.pytest_plugin import authorized_aws, aws, iam_propagation, offline_aws  # noqa: F401 (fixtures)
from tests.playbooks.local_registry import registry  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK_TIMEOUT_SECONDS = 900
# One line per host; infra.yml and site.yml run two lanes (hosts lane-1, lane-2) beside localhost.
RECAP = re.compile(r"^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class PlaybookRun:
    args: list
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self):
        return f"$ {' '.join(self.args)}\n{self.stdout[-20000:]}\n{self.stderr[-5000:]}"

    @property
    def changed(self):
        """What the last PLAY RECAP counts as changed, over all its hosts (None without a recap)."""
        if "PLAY RECAP" not in self.stdout:
            return None
        return sum(int(line[1]) for line in RECAP.findall(self.stdout.rsplit("PLAY RECAP", 1)[1]))

    def check(self):
        """Assert the play succeeded; return self for chaining."""
        assert self.returncode == 0, self.output
        return self


def playbook_env(endpoint):
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        AWS_ENDPOINT_URL=endpoint,
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
    )
    return env


@pytest.fixture
def run_playbook(aws):  # noqa: F811 (the fixture imported above)
    """run_playbook(path, inventory="local", check_mode=False, extra_vars=None, *args) -> PlaybookRun."""

    def run(playbook, *args, inventory="local", check_mode=False, extra_vars=None):
        command = [
            str(Path(sys.executable).parent / "ansible-playbook"),
            str(REPO / playbook),
            "-i",
            str(REPO / "inventories" / inventory),
            "-e",
            f"aws_endpoint_url={aws.endpoint}",
        ]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check_mode:
            command.append("--check")
        command += list(args)
        result = subprocess.run(
            command,
            cwd=REPO,
            env=playbook_env(aws.endpoint),
            capture_output=True,
            text=True,
            timeout=PLAYBOOK_TIMEOUT_SECONDS,
            check=False,
        )
        return PlaybookRun(command, result.returncode, result.stdout, result.stderr)

    return run
