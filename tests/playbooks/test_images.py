"""Bad input to the service_image role: the play stops at the failing step with the engine's own
message, and nothing is pushed.

- a Dockerfile that does not build  -> fails at "Build the image with podman"
- a registry that is down           -> fails at "Push the tag with podman" (connection refused)
- no engine (PATH without podman)   -> fails at the first engine task (Failed to find required executable "podman")
- an IMMUTABLE repository (ECR's default here): the same image under a tag is a no-op, another image
  under it is refused naming the tag, and `latest` is refused before anything is built
And --check on an image that does not exist yet plans its build and its pushes, and builds nothing.
Each builds FROM scratch, so no base image is needed; podman runs with the project's configuration.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAY = """
- name: Build one image
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Build and push
      ansible.builtin.include_role:
        name: mlops.aws_deploy.service_image
      vars:
        service_image_repository: test/{name}
        service_image_tag: t1
        service_image_registry: "127.0.0.1:{port}"
        service_image_context: "{context}"
        service_image_engine: podman
        service_image_registry_scheme: http
        service_image_engine_environment: {engine_env}
        service_image_tag_mutability: "{{{{ mutability | default('MUTABLE') }}}}"
        service_image_push_latest: "{{{{ push_latest | default(false) }}}}"
"""


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def engine_env():
    subprocess.run([str(REPO / "scripts/images/configure.sh")], check=True, capture_output=True)
    out = subprocess.run([str(REPO / "scripts/images/env.sh")], check=True, capture_output=True, text=True).stdout
    return dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())


def run_play(tmp_path, name, dockerfile, path=None, args=(), registry=None, hello="hello\n"):
    context = tmp_path / "context"
    context.mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(dockerfile)
    (context / "hello").write_text(hello)
    playbook = tmp_path / "play.yml"
    port = int(registry.rsplit(":", 1)[1]) if registry else closed_port()
    environment = engine_env()
    if registry:  # podman may push over plain HTTP to this loopback registry too
        registries = tmp_path / "registries.conf"
        registries.write_text(
            f'unqualified-search-registries = []\n[[registry]]\nlocation = "{registry}"\ninsecure = true\n'
        )
        environment["CONTAINERS_REGISTRIES_CONF"] = str(registries)
    playbook.write_text(PLAY.format(name=name, port=port, context=context, engine_env=json.dumps(environment)))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = path or os.environ["PATH"]
    result = subprocess.run(
        [sys.executable, str(BIN / "ansible-playbook"), str(playbook), "-i", str(REPO / "inventories/local"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, result.stdout + result.stderr, port


def failed_task(output):
    tasks = [line for line in output.splitlines() if line.startswith("TASK [")]
    return tasks[-1] if tasks else ""


needs_podman = pytest.mark.skipif(shutil.which("podman") is None, reason="no podman (make images-bootstrap)")


@needs_podman
def test_a_dockerfile_that_does_not_build_fails_at_the_build(tmp_path):
    result, output, _ = run_play(tmp_path, "broken", "FROM scratch\nCOPY no-such-file /x\n")
    assert result.returncode != 0
    assert "Build the image with podman" in failed_task(output)
    assert "no-such-file" in output  # podman's own message names the missing source
    assert "Push the tag" not in output


@needs_podman
def test_a_registry_that_is_down_fails_at_the_push(tmp_path):
    result, output, port = run_play(tmp_path, "nowhere", "FROM scratch\nCOPY hello /hello\n")
    assert result.returncode != 0
    assert "Push the tag with podman" in failed_task(output)
    assert f"127.0.0.1:{port}" in output and "connection refused" in output.lower()


@needs_podman
def test_check_mode_plans_the_build_and_the_pushes_and_builds_nothing(tmp_path):
    result, output, _ = run_play(tmp_path, "planned", "FROM scratch\nCOPY hello /hello\n", args=["--check"])
    assert result.returncode == 0, output[-5000:]
    build = re.search(r"TASK \[mlops.aws_deploy.service_image : Build the image with podman\] \**\n(\w+): ", output)
    assert build and build.group(1) == "changed", output[-5000:]
    assert "would push 127.0.0.1:" in output and "/test/planned:t1 after building it" in output
    images = subprocess.run(
        ["podman", "images", "--format", "{{.Repository}}"],
        env=dict(os.environ, **engine_env()),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "test/planned" not in images


def test_a_missing_engine_fails_at_the_first_engine_task(tmp_path):
    # PATH with the venv and every system tool except podman (links in a directory of our own).
    tools = tmp_path / "bin"
    tools.mkdir()
    for directory in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        for tool in Path(directory).iterdir() if Path(directory).is_dir() else []:
            target = tools / tool.name
            if not tool.name.startswith("podman") and not target.exists():
                target.symlink_to(tool)
    path = os.pathsep.join([str(BIN), str(tools)])
    result, output, _ = run_play(tmp_path, "noengine", "FROM scratch\nCOPY hello /hello\n", path=path)
    assert result.returncode != 0
    assert "Build the image with podman" in failed_task(output)
    assert 'Failed to find required executable "podman"' in output


@needs_podman
def test_an_immutable_tag_is_never_moved(tmp_path, registry):
    immutable = ["-e", json.dumps({"mutability": "IMMUTABLE"})]
    dockerfile = "FROM scratch\nCOPY hello /hello\n"
    first, output, _ = run_play(tmp_path, "frozen", dockerfile, registry=registry, args=immutable)
    assert first.returncode == 0, output[-5000:]
    again, output, _ = run_play(tmp_path, "frozen", dockerfile, registry=registry, args=immutable)
    assert again.returncode == 0 and "changed=0" in output, output[-5000:]  # the same image: nothing to push

    # Another image under the same tag (the local copy removed, the sources changed): ECR would
    # refuse the push, so the role refuses first, naming the tag, and the registry keeps the first image.
    subprocess.run(
        ["podman", "rmi", "-f", f"{registry}/test/frozen:t1"],
        env=dict(os.environ, **engine_env()),
        capture_output=True,
        check=True,
    )
    moved, output, _ = run_play(tmp_path, "frozen", dockerfile, registry=registry, args=immutable, hello="changed\n")
    assert moved.returncode != 0
    assert "Refuse to move the immutable tag t1" in failed_task(output)
    assert f"{registry}/test/frozen:t1 already holds another image" in output and "IMMUTABLE" in output
    assert "Push the tag with podman" not in output.split("Refuse to move the immutable tag t1", 1)[1]

    latest, output, _ = run_play(
        tmp_path,
        "frozen",
        dockerfile,
        registry=registry,
        args=["-e", json.dumps({"mutability": "IMMUTABLE", "push_latest": True})],
    )
    assert latest.returncode != 0 and "Refuse a floating tag" in failed_task(output)
    assert "Build the image" not in output
