"""The collection as a consumer meets it first: its metadata, its dependencies, its tarball.

Every collection the roles and playbooks call is declared (galaxy.yml, requirements.yml and AWX's
collections/requirements.yml agree); requires_ansible's floor is the ansible-core the tests run on;
the tarball ships a COPYING file and only what runs from it; no placeholder URLs.
"""

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
OURS = f"{GALAXY['namespace']}.{GALAXY['name']}"
FQCN = re.compile(r"^\s*-?\s*([a-z_]+\.[a-z_]+)\.[a-z_0-9]+:", re.M)


def galaxy_entries(path):
    return {entry["name"]: entry["version"] for entry in yaml.safe_load(path.read_text())["collections"]
            if entry.get("type", "galaxy") == "galaxy"}


def used_collections():
    used = set()
    for path in [*REPO.glob("roles/*/tasks/**/*.yml"), *REPO.glob("roles/*/handlers/*.yml"),
                 *REPO.glob("playbooks/**/*.yml")]:
        used |= set(FQCN.findall(path.read_text()))
    return used - {"ansible.builtin", OURS}


def test_every_collection_the_roles_use_is_declared_alike_everywhere():
    declared = GALAXY["dependencies"]
    assert used_collections() <= set(declared), "declare these in galaxy.yml"
    assert galaxy_entries(REPO / "requirements.yml") == declared
    assert galaxy_entries(REPO / "collections" / "requirements.yml") == declared


def test_awx_project_sync_installs_this_collection_from_the_checkout():
    entries = yaml.safe_load((REPO / "collections" / "requirements.yml").read_text())["collections"]
    assert {"name": ".", "type": "dir"} in entries


def test_requires_ansible_is_the_tested_ansible_core():
    floor = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
    tested = re.search(r"^ansible-core==(\d+\.\d+)\.", (REPO / "requirements-dev.txt").read_text(), re.M)[1]
    assert floor == f">={tested}.0"


def test_no_placeholder_urls():
    for key in ("repository", "documentation", "homepage", "issues"):
        assert not re.search(r"example\.(invalid|com|org)", str(GALAXY.get(key) or "")), key


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", "--force",
                    "--output-path", str(out), str(REPO)], check=True, capture_output=True, timeout=120)
    (path,) = out.glob("*.tar.gz")
    with tarfile.open(path) as tar:
        return {member.name: tar.extractfile(member).read().decode(errors="replace")
                for member in tar.getmembers() if member.isfile()}


def test_the_tarball_ships_a_copying_file(tarball):
    assert "GNU GENERAL PUBLIC LICENSE" in tarball["COPYING"]
    assert GALAXY["license"] == ["GPL-3.0-or-later"]


def test_the_tarball_ships_no_dev_config_nor_repository_only_playbooks(tarball):
    for left_out in ("ansible.cfg", "execution-environment.yml", "collections/requirements.yml",
                     "playbooks/site.yml", "playbooks/images.yml", "playbooks/train_and_register.yml"):
        assert left_out not in tarball
    assert not [name for name in tarball if name.startswith(("inventories/", "awx/", "services/", "scripts/"))]
    # Nothing shipped reaches out of the collection into the repository's services/ or scripts/.
    assert not [name for name, text in tarball.items()
                if name.startswith(("playbooks/", "roles/")) and re.search(r"\.\./(services|scripts)\b", text)]


def test_every_task_file_a_shipped_playbook_includes_is_shipped(tarball):
    include = re.compile(r"include_tasks:\s*(\S+\.yml)")
    for name, text in tarball.items():
        if name.startswith("playbooks/") and name.endswith(".yml"):
            for included in include.findall(text):
                if "{{" not in included:
                    # Relative to the including file, or else to the playbooks' folder (Ansible's search).
                    candidates = {os.path.normpath(os.path.join(os.path.dirname(name), included)),
                                  os.path.normpath(os.path.join("playbooks", included))}
                    assert candidates & set(tarball), f"{name} includes {included}, not shipped"
