"""A project as AWX/AAP syncs it, and jobs run by ansible-runner (the engine AWX runs jobs with)
the way AWX runs them: the project's checkout (no .build symlink), the collections its sync
installed from collections/requirements.yml, the inventory as AWX imports it
(`ansible-inventory --list --export`), the job's extra vars (template, survey, awx_* variables),
the credentials' injected environment, against the offline AWS.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline_aws.pytest_plugin import aws, offline_aws  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONTROLLER = yaml.safe_load((REPO / "awx" / "controller.yml").read_text())
JOB_TIMEOUT_SECONDS = 600


def clean_env(**extra):
    """The job's environment: none of this checkout's ANSIBLE_* settings (AWX has none of them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def synced_project(tmp_path_factory):
    """(project dir, requirements_collections dir): a fresh checkout synced as AWX does."""
    root = tmp_path_factory.mktemp("awx")
    project = root / "project"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, project / name)
    collections = root / "requirements_collections"
    # AWX's project update: `ansible-galaxy collection install -r collections/requirements.yml` in the
    # checkout. Offline, the dependencies are the ones installed beside ansible (as in the EE).
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "-r", "collections/requirements.yml",
                    "-p", str(collections), "--offline"], cwd=project, env=clean_env(), check=True,
                   capture_output=True, timeout=300)
    return project, collections


def survey_answers(template, answers):
    """The extra vars a survey gives: each question's default, then the operator's answers."""
    spec = template.get("survey_spec", {}).get("spec", [])
    values = {q["variable"]: q["default"] for q in spec if q.get("default") not in (None, "")}
    values.update(answers)
    return values


def job_template(name):
    return next(t for t in CONTROLLER["job_template"] if t["name"] == name)


@pytest.fixture
def run_job(synced_project, aws, tmp_path):  # noqa: F811 (the fixture imported above)
    """run_job(template name, answers, environment="local") -> (runner status, rc, stdout, artifacts)."""
    project, collections = synced_project

    def run(name, answers, environment="local"):
        template = job_template(name)
        private = tmp_path / "job"
        (private / "inventory").mkdir(parents=True, exist_ok=True)
        (private / "env").mkdir(exist_ok=True)
        exported = subprocess.run(
            [str(BIN / "ansible-inventory"), "-i", str(project / "inventories" / environment), "--list", "--export"],
            cwd=project, env=clean_env(), capture_output=True, text=True, check=True, timeout=120).stdout
        # AWX hands a job its inventory as a script that prints the imported JSON.
        script = private / "inventory" / "hosts"
        script.write_text(f"#!/bin/sh\ncat <<'INVENTORY'\n{exported}\nINVENTORY\n")
        script.chmod(0o755)
        extra_vars = dict(yaml.safe_load(template.get("extra_vars") or "{}") or {})
        extra_vars.update(survey_answers(template, answers))
        # What AWX adds to every job, and what the "AWS API endpoint" credential injects.
        extra_vars.update(awx_job_id=1, awx_job_template_name=name, awx_user_name="alice-awx",
                          aws_endpoint_url=aws.endpoint)
        (private / "env" / "extravars").write_text(json.dumps(extra_vars))
        env = clean_env(
            ANSIBLE_COLLECTIONS_PATHS=str(collections), ANSIBLE_COLLECTIONS_PATH=str(collections),
            AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_ENDPOINT_URL=aws.endpoint,
            AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")
        injected = {k: v for k, v in env.items() if k.startswith(("ANSIBLE_", "AWS_"))}
        (private / "env" / "envvars").write_text(json.dumps(injected))
        result = subprocess.run(
            [str(BIN / "ansible-runner"), "run", str(private), "--project-dir", str(project),
             "-p", template["playbook"], "--ident", "job"],
            env=env, capture_output=True, text=True, timeout=JOB_TIMEOUT_SECONDS, check=False)
        artifacts = private / "artifacts" / "job"
        status = (artifacts / "status").read_text() if (artifacts / "status").exists() else "none"
        stats = {}
        for event in sorted((artifacts / "job_events").glob("*.json")):
            data = json.loads(event.read_text())
            if data.get("event") == "playbook_on_stats":
                stats = data["event_data"].get("artifact_data", {})
        return status, result.returncode, result.stdout, stats

    return run
