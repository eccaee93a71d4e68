"""The shipped operator policy (policies/deployer.json) runs what an operator runs, end to end.

The deployer's own credentials, under the offline AWS's IAM enforcement (offline_aws/authorization.py:
an action no statement grants is refused as AWS refuses it): infra.yml, ml.yml, services.yml and
observability.yml on an empty account (site.yml's AWS half), training with its automatic promotion,
a second version promoted by hand, a revert, the status runbook, then teardown with the models.
The images and the local containers need podman (the e2e test); deploy and rollback under this
policy are tests/playbooks/test_iam_actors.py's.
"""

import json
from pathlib import Path

import boto3

from offline_aws import authorization

REPO = Path(__file__).resolve().parents[2]
PREFIX = "mobileml-local"
POINTER = "/mobileml/local/model-version"
FAST_TRAINING = ["--n-estimators", "10"]


def act_as(monkeypatch, credentials):
    """The next playbook runs call AWS with these credentials only (no operator fallback)."""
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    for key, value in credentials.items():
        monkeypatch.setenv(key, value)


def served_version():
    return json.loads(boto3.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"])["version"]


def test_site_promote_revert_status_and_teardown_run_under_the_deployer_policy(
    run_playbook, authorized_aws, monkeypatch, tmp_path
):
    policy = json.loads((REPO / "policies" / "deployer.json").read_text())
    deployer = authorization.create_user(authorized_aws.endpoint, authorized_aws.admin, "deployer", policy)
    act_as(monkeypatch, deployer)
    assert "user/deployer" in boto3.client("sts").get_caller_identity()["Arn"]

    for playbook in ("infra", "ml", "services", "observability"):
        run_playbook(f"playbooks/{playbook}.yml").check()

    training = {"model_training_dir": str(tmp_path / "training"), "model_training_args": FAST_TRAINING}
    run_playbook("playbooks/train_and_register.yml", extra_vars=training).check()
    assert served_version() == "1"
    run_playbook("playbooks/train_and_register.yml", extra_vars=dict(training, model_auto_promote=False)).check()
    run_playbook("playbooks/promote_model.yml", extra_vars={"model_version": 2}).check()
    assert served_version() == "2"
    run_playbook("playbooks/runbooks/revert_model.yml", extra_vars={"model_version": 2, "reason": "test"}).check()
    assert served_version() == "1"
    run_playbook("playbooks/runbooks/status.yml").check()

    gone = {"teardown_confirm": PREFIX, "teardown_delete_models": True}
    run_playbook("playbooks/teardown.yml", extra_vars=gone).check()
    assert boto3.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    again = run_playbook("playbooks/teardown.yml", extra_vars=gone).check()
    assert again.changed == 0, again.output


def test_without_the_load_balancer_statement_infra_fails_naming_the_action(run_playbook, authorized_aws, monkeypatch):
    policy = json.loads((REPO / "policies" / "deployer.json").read_text())
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "BuildTheLoadBalancer"]
    act_as(monkeypatch, authorization.create_user(authorized_aws.endpoint, authorized_aws.admin, "deployer", policy))
    infra = run_playbook("playbooks/infra.yml")
    assert infra.returncode != 0
    assert "is not authorized to perform: elasticloadbalancing:Create" in infra.stdout, infra.output
