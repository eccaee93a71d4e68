"""The pre-flight of every playbook (playbooks/tasks/check_aws_target.yml): inventories/local refuses
to run without the offline AWS, and every playbook refuses credentials of another account, or a shell
set for another region, before it changes anything.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import yaml

from benchmarks.deploy import stack
from tests.playbooks.conftest import REPO, playbook_env

PREFLIGHT = "check_aws_target.yml"
PLAYBOOKS = sorted(
    str(path.relative_to(REPO)) for path in [*REPO.glob("playbooks/*.yml"), *REPO.glob("playbooks/runbooks/*.yml")]
)
# What a playbook's first play may do before the pre-flight: check its input, without AWS.
INPUT_CHECK = re.compile(r"check_(infra_inputs|ml_serving|promote_inputs)\.yml$")
WRONG_ACCOUNT = "210987654321"


def first_play_tasks(playbook):
    play = yaml.safe_load((REPO / playbook).read_text())[0]
    return [*play.get("pre_tasks", []), *play.get("tasks", [])]


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_playbook_runs_the_preflight_before_its_first_aws_call(playbook):
    tasks = first_play_tasks(playbook)
    includes = [str(t.get("ansible.builtin.include_tasks", t.get("ansible.builtin.import_tasks", ""))) for t in tasks]
    position = next((i for i, name in enumerate(includes) if name.endswith(PREFLIGHT)), None)
    assert position is not None, f"{playbook}: its first play does not include tasks/{PREFLIGHT}"
    before = tasks[:position]
    assert all(
        "ansible.builtin.assert" in t or INPUT_CHECK.search(inc) for t, inc in zip(before, includes, strict=False)
    ), f"{playbook}: only input checks may come before the pre-flight, got {[t.get('name') for t in before]}"


def run_without_the_offline_aws(playbook, env_overrides, *args):
    """ansible-playbook on inventories/local with AWS_ENDPOINT_URL as given (None: unset)."""
    env = playbook_env("unused")
    env.pop("AWS_ENDPOINT_URL")
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        str(REPO / playbook),
        "-i",
        str(REPO / "inventories/local"),
        *args,
    ]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    ("endpoint", "said"),
    [
        (None, "aws_endpoint_url is '' (AWS_ENDPOINT_URL is unset)"),
        ("https://sts.amazonaws.com", "aws_endpoint_url is 'https://sts.amazonaws.com'"),
    ],
)
def test_local_refuses_to_run_without_the_offline_aws(endpoint, said):
    # Real-looking credentials: were any AWS call made, it would go to AWS with them.
    result = run_without_the_offline_aws(
        "playbooks/infra.yml",
        {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE01", "AWS_SECRET_ACCESS_KEY": "x" * 40},
    )
    assert result.returncode != 0
    assert said in result.stdout, result.stdout[-3000:]
    assert "Start it and export its variables first: make aws-up && source .offline-aws/env.sh" in result.stdout
    # It stopped at the check: not even STS was asked.
    assert "GetCallerIdentity" not in result.stdout
    assert "PLAY [Create the network" not in result.stdout


def test_local_says_how_to_start_the_offline_aws_when_it_does_not_answer():
    result = run_without_the_offline_aws("playbooks/observability.yml", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert result.returncode != 0
    assert "STS GetCallerIdentity failed at http://127.0.0.1:9" in result.stdout, result.stdout[-3000:]
    assert "Start the endpoint and export its variables: make aws-up && source .offline-aws/env.sh" in result.stdout


def resources_of(prefix):
    """What any playbook would have made: VPCs, repositories, clusters, topics, parameters with the prefix."""
    ec2, ecr, ecs, sns, ssm = (boto3.client(s) for s in ("ec2", "ecr", "ecs", "sns", "ssm"))
    return {
        "vpcs": ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}*"]}])["Vpcs"],
        "repositories": [
            r for r in ecr.describe_repositories()["repositories"] if r["repositoryName"].startswith(prefix)
        ],
        "clusters": [c for c in ecs.list_clusters()["clusterArns"] if prefix in c],
        "topics": [t for t in sns.list_topics()["Topics"] if prefix in t["TopicArn"]],
        "parameters": ssm.describe_parameters()["Parameters"],
    }


@pytest.mark.parametrize(
    ("playbook", "inventory", "extra"),
    [
        ("playbooks/site.yml", "local", {}),
        ("playbooks/infra.yml", "prod", {}),
        ("playbooks/ml.yml", "stage", {}),
        ("playbooks/observability.yml", "dev", {}),
        ("playbooks/promote_model.yml", "prod", {"model_version": 1}),
        ("playbooks/teardown.yml", "local", {"teardown_confirm": "mobileml-local"}),
    ],
)
def test_credentials_of_another_account_are_refused_before_any_change(run_playbook, playbook, inventory, extra):
    # The offline AWS is account 123456789012: an inventory of another account must refuse it.
    result = run_playbook(playbook, inventory=inventory, extra_vars={"aws_account_id": WRONG_ACCOUNT, **extra})
    assert result.returncode != 0
    expected = (
        f"{inventory} ({REPO}/inventories/{inventory}) is account {WRONG_ACCOUNT} in us-east-1; the credentials are "
        f"arn:aws:sts::123456789012:user/moto of account 123456789012. Nothing was changed."
    )
    assert expected in " ".join(result.stdout.split()), result.output
    assert result.changed == 0, result.output
    assert resources_of(f"mobileml-{inventory}") == {
        k: [] for k in ("vpcs", "repositories", "clusters", "topics", "parameters")
    }


def test_a_deploy_with_credentials_of_another_account_leaves_the_live_service_alone(run_playbook, aws):
    service = "mobileml-local-backend"
    created = stack.create(
        service, "mobileml-local", container="backend-api", image="127.0.0.1:5000/x/backend-api:v1", port=8000
    )
    rule_before = boto3.client("elbv2").describe_rules(RuleArns=[created["rule_arn"]])["Rules"]
    result = run_playbook(
        "playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2", "aws_account_id": WRONG_ACCOUNT}
    )
    assert result.returncode != 0 and f"is account {WRONG_ACCOUNT} in us-east-1" in result.stdout, result.output
    assert boto3.client("elbv2").describe_rules(RuleArns=[created["rule_arn"]])["Rules"] == rule_before
    families = boto3.client("ecs").list_task_definitions()["taskDefinitionArns"]
    assert all(arn.endswith(":1") for arn in families), families


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_a_shell_set_for_another_region_is_refused(run_playbook, monkeypatch, variable):
    monkeypatch.setenv(variable, "eu-west-1")
    result = run_playbook("playbooks/observability.yml", inventory="stage")
    assert result.returncode != 0
    assert "stage" in result.stdout and "is account 123456789012 in us-east-1" in result.stdout, result.output
    assert "the shell names region eu-west-1" in result.stdout, result.output
    assert resources_of("mobileml-stage")["topics"] == []


def test_the_role_to_assume_is_assumed_and_checked(run_playbook, aws):
    iam = boto3.client("iam")
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'
    )
    role = iam.create_role(RoleName="mobileml-stage-deployer", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    # The role of this environment's account: the run goes on as that role (the check says who).
    ok = run_playbook("playbooks/ml.yml", "--check", inventory="stage", extra_vars={"aws_assume_role_arn": role})
    ok.check()
    assert (
        "stage: arn:aws:sts::123456789012:assumed-role/mobileml-stage-deployer/ansible-mobileml-stage" in ok.stdout
    ), ok.output
    # A role in another account (three accounts, the wrong inventory): refused, naming the role's account.
    other = f"arn:aws:iam::{WRONG_ACCOUNT}:role/mobileml-prod-deployer"
    refused = run_playbook("playbooks/observability.yml", inventory="stage", extra_vars={"aws_assume_role_arn": other})
    assert refused.returncode != 0
    assert f"of account {WRONG_ACCOUNT}" in " ".join(refused.stdout.split()), refused.output
    assert "assumed-role/mobileml-prod-deployer" in refused.stdout
    assert os.environ.get("AWS_ENDPOINT_URL")  # the fixture's offline AWS, not AWS
