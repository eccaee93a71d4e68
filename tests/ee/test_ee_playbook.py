"""One playbook run inside the execution environment that `make test-ee` built offline
(scripts/ee/build_offline.sh), the way AWX runs a job in it: the project's checkout (no .build
symlink: the collections are the EE's, /usr/share/ansible/collections), podman with the host's
network, against an offline AWS this test starts. The runbook is status.yml on a blue/green backend
put through the API (as tests/playbooks/test_runbooks.py does), with its JSON written to a mount.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from benchmarks.deploy import stack
from offline_aws.pytest_plugin import aws, offline_aws  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("EE_IMAGE", "localhost/mlops/aws-deploy-ee:offline")
CONTAINERS = REPO / ".build" / "containers"
NAME_PREFIX = "mobileml-local"
RUN_TIMEOUT_SECONDS = 600


def podman(*args, timeout=RUN_TIMEOUT_SECONDS):
    """podman with the project-local configuration (scripts/images/configure.sh)."""
    env = dict(os.environ, CONTAINERS_CONF=str(CONTAINERS / "containers.conf"),
               CONTAINERS_STORAGE_CONF=str(CONTAINERS / "storage.conf"),
               CONTAINERS_REGISTRIES_CONF=str(CONTAINERS / "registries.conf"))
    return subprocess.run(["podman", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def image():
    found = podman("image", "exists", IMAGE)
    assert found.returncode == 0, f"{IMAGE} is not built: run `make test-ee` (scripts/ee/build_offline.sh first)"
    return IMAGE


@pytest.fixture
def project(tmp_path):
    """The project as AWX checks it out: the tracked and untracked-but-not-ignored files, nothing under .build."""
    checkout = tmp_path / "project"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, checkout / name)
    assert not (checkout / ".build").exists()
    return checkout


def in_ee(image, endpoint, project, out, *command):
    return podman(
        "run", "--rm", "--network", "host",
        "-v", f"{project}:/runner/project:ro", "-v", f"{out}:/runner/out", "-w", "/runner/project",
        "-e", "AWS_ACCESS_KEY_ID=testing", "-e", "AWS_SECRET_ACCESS_KEY=testing", "-e", "AWS_DEFAULT_REGION=us-east-1",
        "-e", f"AWS_ENDPOINT_URL={endpoint}", "-e", "AWS_MAX_ATTEMPTS=1", "-e", "ANSIBLE_NOCOLOR=1",
        # What AWX sets for a job: the EE's collections (the project's ansible.cfg names .build/collections).
        "-e", "ANSIBLE_COLLECTIONS_PATH=/usr/share/ansible/collections",
        image, *command)


def test_the_status_runbook_runs_inside_the_ee_against_the_offline_aws(image, aws, project, tmp_path):  # noqa: F811
    service = f"{NAME_PREFIX}-backend"
    created = stack.create(service, NAME_PREFIX, container="backend-api", image="127.0.0.1:5000/b:v1", port=8000)
    stack.register_targets(created["target_groups"]["blue"], 2)
    boto3.client("ssm").put_parameter(Name="/mobileml/local/model-version", Type="String",
                                      Value=json.dumps({"version": "none"}))
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)  # the EE runs as user 1000

    run = in_ee(image, aws.endpoint, project, out, "ansible-playbook", "playbooks/runbooks/status.yml",
                "-i", "inventories/local", "-e", f"aws_endpoint_url={aws.endpoint}", "-e", "service=backend",
                "-e", "status_output_file=/runner/out/status.json")
    assert run.returncode == 0, f"{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    assert "backend: live blue | weights blue 100 / green 0" in run.stdout, run.stdout
    assert "pipeline no pipeline" in run.stdout, run.stdout
    status = json.loads((out / "status.json").read_text())
    assert status["services"]["backend"]["live_color"] == "blue"
    assert status["services"]["backend"]["colors"]["blue"]["health"]["healthy"] == 3  # stack.create's one, and two
    assert status["pipeline"]["exists"] is False

    listed = in_ee(image, aws.endpoint, project, out, "ansible-galaxy", "collection", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    paths = json.loads(listed.stdout)
    ours = [path for path, found in paths.items() if "mlops.aws_deploy" in found]
    assert ours == ["/usr/share/ansible/collections/ansible_collections"], paths
    for name in ("amazon.aws", "community.aws", "community.docker", "containers.podman"):
        assert any(name in found for found in paths.values()), (name, paths)
