"""execution-environment.yml (ansible-builder v3): `ansible-builder create` makes a build context
that installs this collection from its tarball, every collection galaxy.yml depends on, the pinned
ansible-core, boto3 and the training libraries, and the system packages for image builds; the base
image is the Containerfile's EE_BASE_IMAGE argument. meta/execution-environment.yml is the
collection's own introspection file (ansible-builder reads it from an installed collection)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    out = tmp_path_factory.mktemp("ee") / "context"
    (REPO / ".build" / "dist").mkdir(parents=True, exist_ok=True)
    subprocess.run([str(Path(sys.executable).parent / "ansible-builder"), "create", "-f",
                    str(REPO / "execution-environment.yml"), "-c", str(out)],
                   cwd=REPO, check=True, capture_output=True, timeout=120)
    return out


def test_the_base_image_is_a_build_argument(context):
    containerfile = (context / "Containerfile").read_text()
    assert containerfile.startswith('ARG EE_BASE_IMAGE="')
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile


def test_the_ee_installs_this_collection_and_every_dependency(context):
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    collections = {c["name"]: c for c in requirements["collections"]}
    ours = f"dist/{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    assert collections[ours]["type"] == "file"
    assert {name: c["version"] for name, c in collections.items() if name != ours} == GALAXY["dependencies"]


def test_the_ee_pins_the_tested_core_and_carries_boto3_and_training(context):
    tested = re.search(r"^ansible-core==(\S+)", (REPO / "requirements-dev.txt").read_text(), re.M)[1]
    assert f"ansible-core=={tested}" in (context / "Containerfile").read_text()
    python = (context / "_build" / "requirements.txt").read_text()
    for package in ("boto3", "botocore", "scikit-learn", "skl2onnx", "onnxruntime"):
        assert re.search(rf"^{package}==", python, re.M), package
    assert "podman" in (context / "_build" / "bindep.txt").read_text()


def test_the_collections_own_introspection_file_names_files_that_exist():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1
    assert all((REPO / path).is_file() for path in meta["dependencies"].values())
