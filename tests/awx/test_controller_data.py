"""awx/controller.yml checked without a controller: every object against the documented argument
spec of the awx.awx module that applies it (ansible-doc), the surveys' shape, the references
between objects, a template for every playbook and runbook; and the surveys' required questions
are exactly what each playbook refuses to run without (each run with one required answer left out
must stop at the playbook's input check, naming it; with all of them it must get past the checks).
"""

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONTROLLER = yaml.safe_load((REPO / "awx" / "controller.yml").read_text())
CONNECTION = {"controller_host", "controller_username", "controller_password", "controller_oauthtoken",
              "controller_config_file", "validate_certs", "request_timeout"}
TYPES = {"str": str, "bool": bool, "int": int, "list": list, "dict": dict, "raw": object, "json": object}
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
PLAYBOOKS = ["site.yml", "images.yml", "deploy.yml", "runbooks/rollback.yml", "promote_model.yml",
             "runbooks/revert_model.yml", "runbooks/status.yml", "runbooks/logs.yml", "teardown.yml"]


@functools.cache
def options(module):
    doc = subprocess.run([str(BIN / "ansible-doc"), "-t", "module", f"awx.awx.{module}", "--json"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return next(iter(json.loads(doc).values()))["doc"]["options"]


def problems(value, spec, path):
    """What in `value` the option `spec` (ansible-doc's form) does not allow."""
    found = []
    kind = TYPES.get(spec.get("type", "str"), object)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return [f"{path}: {value!r} is not a {spec.get('type', 'str')}"]
    if spec.get("choices") and value not in spec["choices"]:
        found.append(f"{path}: {value!r} is not one of {spec['choices']}")
    if kind is list and spec.get("elements") == "dict" and spec.get("suboptions"):
        for i, item in enumerate(value):
            found += problems(item, {"type": "dict", "suboptions": spec["suboptions"]}, f"{path}[{i}]")
    if kind is dict and spec.get("suboptions"):
        found += object_problems(value, spec["suboptions"], path)
    return found


def object_problems(obj, specs, path):
    found = [f"{path}.{key}: no such option" for key in obj if key not in specs]
    found += [f"{path}.{key}: required" for key, spec in specs.items()
              if spec.get("required") and key not in obj and key not in CONNECTION]
    for key, value in obj.items():
        if key in specs and not (isinstance(value, str) and "{{" in value):
            found += problems(value, specs[key], f"{path}.{key}")
    return found


@pytest.mark.parametrize("module", sorted(CONTROLLER))
def test_every_object_fits_its_awx_module(module):
    specs = options(module)
    found = []
    for obj in CONTROLLER[module]:
        found += object_problems(obj, specs, f"{module}[{obj['name']}]")
    assert found == []


def surveys():
    for template in CONTROLLER["job_template"] + CONTROLLER["workflow_job_template"]:
        if template.get("survey_enabled"):
            yield template["name"], template["survey_spec"]


@pytest.mark.parametrize(("name", "survey"), list(surveys()), ids=[name for name, _ in surveys()])
def test_every_survey_is_well_formed(name, survey):
    assert {"name", "description", "spec"} <= set(survey)
    for question in survey["spec"]:
        assert {"question_name", "variable", "type", "required"} <= set(question), question
        assert question["type"] in SURVEY_TYPES
        if question["type"] in ("multiplechoice", "multiselect"):
            assert question["choices"], question
            assert question.get("default", question["choices"][0]) in question["choices"] + [""], question


def test_a_template_for_every_playbook_and_runbook_and_references_resolve():
    templates = {t["name"]: t for t in CONTROLLER["job_template"]}
    playbooks = {t["playbook"] for t in templates.values()}
    assert {f"playbooks/{p}" for p in PLAYBOOKS} <= playbooks
    assert all((REPO / p).is_file() for p in playbooks)
    inventories = {i["name"] for i in CONTROLLER["inventory"]}
    assert {s["source_path"] for s in CONTROLLER["inventory_source"]} == {
        f"inventories/{p.name}" for p in (REPO / "inventories").iterdir() if p.is_dir()}
    assert {t["inventory"] for t in templates.values()} <= inventories
    for workflow in CONTROLLER["workflow_job_template"]:
        identifiers = {node["identifier"] for node in workflow["workflow_nodes"]}
        for node in workflow["workflow_nodes"]:
            job = node["unified_job_template"]
            assert job["type"] == "workflow_approval" or job["name"] in templates, job
            if "inventory" in node:
                assert node["inventory"]["name"] in inventories
                assert templates[job["name"]].get("ask_inventory_on_launch")
            for next_nodes in node.get("related", {}).values():
                assert {n["identifier"] for n in next_nodes} <= identifiers


def required_by_playbook():
    for template in CONTROLLER["job_template"]:
        spec = template.get("survey_spec", {}).get("spec", [])
        required = {q["variable"]: q for q in spec if q["required"]}
        if required:
            yield template["playbook"], required


def run(playbook, extra_vars):
    # A closed loopback port as the AWS endpoint: anything past the input checks fails at once.
    command = [str(BIN / "ansible-playbook"), str(REPO / playbook), "-i", str(REPO / "inventories" / "local"),
               "-e", json.dumps(dict(extra_vars, aws_endpoint_url="http://127.0.0.1:9"))]
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "AWS_MAX_ATTEMPTS": "1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "HOME": str(Path.home())}
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


ANSWERS = {"service": "backend", "image_tag": "v2", "model_version": "2", "teardown_confirm": "mobileml-local"}


@pytest.mark.parametrize(("playbook", "required"), list(required_by_playbook()),
                         ids=[p for p, _ in required_by_playbook()])
def test_the_surveys_required_questions_are_what_the_playbook_refuses_without(playbook, required):
    answers = {variable: ANSWERS[variable] for variable in required}
    passed = run(playbook, answers)
    assert '"assertion":' not in passed.stdout, f"refused with every required answer:\n{passed.stdout[-4000:]}"
    for variable in required:
        refused = run(playbook, {k: v for k, v in answers.items() if k != variable})
        assert refused.returncode != 0 and '"assertion":' in refused.stdout, (variable, refused.stdout[-4000:])
        assert variable in refused.stdout.split('"assertion":', 1)[1][:2000], (variable, refused.stdout[-4000:])
