"""Who reaches each service through the internet-facing ALB (roles/alb: alb_public_services).

/api/* (the backend, API key) answers anyone; /ml/* (the ML service, no authentication) answers only
the VPC's own tasks by default: its rule carries an ALB source-ip condition with the NAT gateways'
public IPs, where the backend's calls come from. Anyone else falls through to the listener's 404.
Making ml public removes the condition and keeps the rule's live weights (rollout state); making it
private again puts the condition back. (The offline AWS stores the rules but routes no traffic: what
AWS does with a source-ip condition is its documented rule evaluation, checked here as configuration.)

ml_serving: sagemaker reaches the backend: its task definition names the endpoint
(SAGEMAKER_ENDPOINT_NAME, which backend-api's settings read) and its task role may invoke that
endpoint only (statement InvokeSageMakerEndpoint); switched back to ecs, both are gone and the
backend calls the ML service again (ML_SERVICE_URL).

Both on one infrastructure (one infra.yml run: it is what costs here), then only the roles concerned.
"""

import json

import boto3

from tests.playbooks.conftest import REPO

NAME_PREFIX = "mobileml-local"


def rules_by_path():
    elbv2 = boto3.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=[NAME_PREFIX])["LoadBalancers"][0]
    listener = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"][-1]
    rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    found = {}
    for rule in rules:
        paths = [c for c in rule["Conditions"] if c["Field"] == "path-pattern"]
        if not paths:
            continue
        sources = [v for c in rule["Conditions"] if c["Field"] == "source-ip" for v in c["SourceIpConfig"]["Values"]]
        weights = {
            g["TargetGroupArn"].split("/")[1].rsplit("-", 1)[1]: g["Weight"]
            for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
        }
        found[paths[0]["Values"][0]] = {"arn": rule["RuleArn"], "sources": sorted(sources), "weights": weights}
    return found


def nat_cidrs():
    gateways = boto3.client("ec2").describe_nat_gateways()["NatGateways"]
    return sorted(
        f"{a['PublicIp']}/32" for g in gateways if g["State"] == "available" for a in g["NatGatewayAddresses"]
    )


def one_play(title, tasks):
    """A playbook of one play on localhost with the collection's connection settings, then `tasks`."""
    header = f"""---
- name: {title}
  hosts: localhost
  gather_facts: false
  vars_files: [{REPO}/playbooks/vars/common.yml]
  module_defaults:
    group/amazon.aws.aws: "{{{{ aws_connection }}}}"
    group/community.aws.aws: "{{{{ aws_connection }}}}"
    group/mlops.aws_deploy.aws: "{{{{ aws_connection }}}}"
  tasks:
"""
    return header + "".join(f"    - name: {name}\n      {action}\n" for name, action in tasks)


ALB_ONLY = one_play(
    "The network and load balancer lane of infra.yml alone",
    [
        (
            "Converge the network (nothing to change, it publishes its facts)",
            "ansible.builtin.include_role: {name: mlops.aws_deploy.network}",
        ),
        ("Converge the load balancer", "ansible.builtin.include_role: {name: mlops.aws_deploy.alb}"),
    ],
)


def check_ml_is_reachable_only_from_the_vpc_unless_made_public(run_playbook, tmp_path):
    rules = rules_by_path()
    assert nat_cidrs(), "the network role made no NAT gateway with a public IP"
    assert rules["/ml/*"]["sources"] == nat_cidrs()
    assert rules["/api/*"]["sources"] == []

    # A deployment moved the ML service's traffic to green: changing who /ml/* admits must keep that.
    elbv2 = boto3.client("elbv2")
    ml = elbv2.describe_rules(RuleArns=[rules["/ml/*"]["arn"]])["Rules"][0]
    moved = [
        {"TargetGroupArn": g["TargetGroupArn"], "Weight": 100 if "-ml-green/" in g["TargetGroupArn"] else 0}
        for g in ml["Actions"][0]["ForwardConfig"]["TargetGroups"]
    ]
    elbv2.modify_rule(RuleArn=ml["RuleArn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": moved}}])

    alb_only = tmp_path / "alb.yml"
    alb_only.write_text(ALB_ONLY)
    public = {"alb_public_services": ["backend", "ml"]}
    run_playbook(str(alb_only), extra_vars=public).check()
    rules = rules_by_path()
    assert rules["/ml/*"]["sources"] == []
    assert rules["/ml/*"]["weights"] == {"blue": 0, "green": 100}
    assert rules["/api/*"]["sources"] == []
    again = run_playbook(str(alb_only), extra_vars=public).check()
    assert again.changed == 0, again.output

    # Private again, then with nothing to admit: refused, naming the variable.
    run_playbook(str(alb_only)).check()
    rules = rules_by_path()
    assert rules["/ml/*"]["sources"] == nat_cidrs()
    assert rules["/ml/*"]["weights"] == {"blue": 0, "green": 100}
    nobody = {"alb_internal_source_cidrs": [], "alb_public_services": ["backend"]}
    refused = run_playbook(str(alb_only), extra_vars=nobody)
    assert refused.returncode != 0
    assert "alb_internal_source_cidrs is empty" in refused.stdout, refused.output
    assert "rules of ml (not in alb_public_services)" in refused.stdout, refused.output


ENDPOINT = f"{NAME_PREFIX}-model"
# The cluster's roles and the services alone, on the infrastructure infra.yml made.
CLUSTER_AND_SERVICES = one_play(
    "The ECS cluster's roles and the services, as site.yml's steps run them",
    [
        (
            "Converge the cluster and its roles",
            f"ansible.builtin.include_tasks: {REPO}/playbooks/tasks/steps/ecs_cluster.yml",
        ),
        ("Converge the services", f"ansible.builtin.include_tasks: {REPO}/playbooks/tasks/steps/services.yml"),
    ],
)


def backend_environment():
    ecs = boto3.client("ecs")
    family = f"{NAME_PREFIX}-backend"
    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    return {e["name"]: e["value"] for e in definition["containerDefinitions"][0]["environment"]}


def backend_statements():
    iam = boto3.client("iam")
    role = f"{NAME_PREFIX}-backend-task"
    if "least-privilege" not in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        return []
    document = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    return document["Statement"]


def check_the_serving_switch_reaches_the_backend_both_ways(run_playbook, tmp_path):
    playbook = tmp_path / "cluster_and_services.yml"
    playbook.write_text(CLUSTER_AND_SERVICES)

    run_playbook(str(playbook), extra_vars={"ml_serving": "sagemaker"}).check()
    environment = backend_environment()
    assert environment["SAGEMAKER_ENDPOINT_NAME"] == ENDPOINT
    assert environment["ML_SERVICE_URL"].endswith("/ml")
    account = boto3.client("sts").get_caller_identity()["Account"]
    assert backend_statements() == [
        {
            "Sid": "InvokeSageMakerEndpoint",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint"],
            "Resource": [f"arn:aws:sagemaker:us-east-1:{account}:endpoint/{ENDPOINT}"],
        }
    ]
    again = run_playbook(str(playbook), extra_vars={"ml_serving": "sagemaker"}).check()
    assert again.changed == 0, again.output

    run_playbook(str(playbook), extra_vars={"ml_serving": "ecs"}).check()
    assert "SAGEMAKER_ENDPOINT_NAME" not in backend_environment()
    assert backend_statements() == []


def test_ml_exposure_and_the_serving_switch(run_playbook, tmp_path):
    run_playbook("playbooks/infra.yml").check()
    check_ml_is_reachable_only_from_the_vpc_unless_made_public(run_playbook, tmp_path)
    check_the_serving_switch_reaches_the_backend_both_ways(run_playbook, tmp_path)
