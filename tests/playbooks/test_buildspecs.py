"""The pipeline's buildspecs, run as CodeBuild runs them, against the offline AWS.

pipeline.yml defines the pipeline; upload_source.yml uploads a clean clone of this repository's HEAD
to its S3 source. Then each CodeBuild project, read back from the offline AWS (its environment
variables, its buildspec: a file of the source or inline), has its commands run in order in one
shell, in the extracted source, with the environment CodeBuild sets for a CodePipeline S3 source
(CODEBUILD_SRC_DIR, CODEBUILD_RESOLVED_SOURCE_VERSION = the object's S3 VersionId, ...).
What CodeBuild would reach outside (Docker's daemon, the AWS CLI, the venv the install phase makes
with pip) is a shim that records its arguments; the install phase is not run.

Checked: every build tags its image with the commit (images.yml's tag for it, never the VersionId)
and pushes it where the first deploy environment's inventory pulls from; each later Deploy stage
first copies the image from the environment before it, from where that one pulls, then deploys
with the same tag.
"""

import json
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
NAME_PREFIX = "mobileml-local"
SHIMS = {
    "docker": 'echo "docker $*" >>"$RECORD"; case "$1" in login) cat >/dev/null;; esac',
    "aws": 'echo "aws $*" >>"$RECORD"; echo password',
    "python": 'echo "python $*" >>"$RECORD"',
    "pip": 'echo "pip $*" >>"$RECORD"',
    "ansible-playbook": 'echo "ansible-playbook $*" >>"$RECORD"',
}


def inventory_value(environment, expression):
    """What a playbook run with inventories/<environment> sees for a Jinja expression."""
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),
            "localhost",
            "-i",
            str(REPO / "inventories" / environment),
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={{{{ {expression} }}}}",
            "-o",
        ],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg")),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return json.loads(out.split("=>", 1)[1])["msg"]


@pytest.fixture
def source_clone(tmp_path):
    """A clean clone of this repository's HEAD (what a push would hand the pipeline)."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{REPO}", str(clone)], check=True, timeout=120)
    return clone


def run_buildspec(buildspec, variables, source_dir, tmp_path, name):
    """The buildspec's pre_build, build and post_build commands, in order, in one shell (as
    CodeBuild's buildspec 0.2 keeps one shell for the build); returns the recorded calls."""
    shims = tmp_path / f"{name}-bin"
    shims.mkdir()
    for tool, body in SHIMS.items():
        (shims / tool).write_text(f"#!/usr/bin/env bash\n{body}\n")
        (shims / tool).chmod(0o755)
    record = tmp_path / f"{name}.calls"
    record.touch()
    commands = [
        command.replace("/tmp/venv/bin/", f"{shims}/")  # noqa: S108 (the path CodeBuild's install phase uses)
        for phase in ("pre_build", "build", "post_build")
        for command in buildspec["phases"].get(phase, {}).get("commands", [])
    ]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CODEBUILD_"))},
        **{k: str(v) for k, v in buildspec.get("env", {}).get("variables", {}).items()},
        **variables,
        "PATH": f"{shims}:{os.environ['PATH']}",
        "RECORD": str(record),
    }
    # CodeBuild starts in CODEBUILD_SRC_DIR; the shell (and its directory) carries on between commands.
    script = f"set -euo pipefail\ncd {shlex.quote(str(source_dir))}\n" + "\n".join(commands)
    run = subprocess.run(["bash", "-c", script], env=environment, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"{name}: {run.stdout}\n{run.stderr}"
    return record.read_text().splitlines()


def test_the_buildspecs_tag_with_the_commit_and_push_where_each_environment_pulls(run_playbook, source_clone, tmp_path):
    run_playbook("playbooks/pipeline.yml").check()
    run_playbook(
        "playbooks/upload_source.yml", extra_vars={"pipeline_source_repository_dir": str(source_clone)}
    ).check()

    bucket, key = f"{NAME_PREFIX}-pipeline-artifacts", f"source/{NAME_PREFIX}.zip"
    s3 = boto3.client("s3")
    uploaded = s3.get_object(Bucket=bucket, Key=key)
    source_dir = tmp_path / "src"
    (tmp_path / "source.zip").write_bytes(uploaded["Body"].read())
    with zipfile.ZipFile(tmp_path / "source.zip") as bundle:
        bundle.extractall(source_dir)
    for script in ("scripts/pipeline/image_tag.sh", "scripts/images/source_tag.sh"):
        (source_dir / script).chmod(0o755)  # zipfile does not restore modes
    commit = subprocess.run(
        ["git", "-C", str(source_clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    tag = subprocess.run(
        [str(source_clone / "scripts/images/source_tag.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert tag == commit[:12]  # images.yml's tag for this commit
    codebuild_environment = {
        "CODEBUILD_SRC_DIR": str(source_dir),
        "CODEBUILD_RESOLVED_SOURCE_VERSION": uploaded["VersionId"],  # an S3 source: the object's version
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "AWS_REGION": "us-east-1",
    }

    codebuild = boto3.client("codebuild")
    names = codebuild.list_projects()["projects"]
    projects = {p["name"]: p for p in codebuild.batch_get_projects(names=names)["projects"]}
    environments = [e["name"] for e in inventory_value("local", "pipeline_deploy_environments")]
    pulls_from = {env: inventory_value(env, "container_registry ~ '/' ~ name_prefix") for env in environments}

    for service, image in (("backend", "backend-api"), ("ml", "ml-model-service")):
        project = projects[f"{NAME_PREFIX}-build-{service}"]
        variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
        buildspec = yaml.safe_load((source_dir / project["source"]["buildspec"]).read_text())
        calls = run_buildspec(buildspec, {**codebuild_environment, **variables}, source_dir, tmp_path, service)
        pushed = [c.split()[-1] for c in calls if c.startswith("docker push")]
        assert pushed == [f"{pulls_from[environments[0]]}/{image}:{tag}"], calls

    for position, environment in enumerate(environments):
        project = projects[f"{NAME_PREFIX}-deploy-{environment}"]
        variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
        buildspec = yaml.safe_load(project["source"]["buildspec"])
        calls = run_buildspec(buildspec, {**codebuild_environment, **variables}, source_dir, tmp_path, environment)
        playbooks = [shlex.split(c) for c in calls if c.startswith("ansible-playbook")]
        expected = [
            f"playbooks/deploy.yml -i inventories/{environment} -e service={s} -e image_tag={tag}".split()
            for s in ("backend", "ml")
        ]
        if position > 0:
            source = pulls_from[environments[position - 1]]
            assert playbooks[0][:8] == [
                "ansible-playbook",
                "playbooks/promote_images.yml",
                "-i",
                f"inventories/{environment}",
                "-e",
                f"image_tag={tag}",
                "-e",
                f"images_promote_from={source}",
            ], calls
            playbooks = playbooks[1:]
        assert [p[1:] for p in playbooks] == expected, calls
