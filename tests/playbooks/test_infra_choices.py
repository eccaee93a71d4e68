"""Who reaches each service, and how (roles/alb: alb_public_services; roles/network: the groups).

/api/* (the backend, API key) is on the internet-facing ALB; /ml/* (the ML service, no authentication)
is on the internal ALB in the private subnets, whose security group admits only the backend's: the
backend calls it there (ML_SERVICE_URL), never through the internet and the NAT gateways. Making ml
public is refused unless told (its callers lose it until redeployed), and then moves its rule with the
live weights (rollout state) to the internet-facing ALB; private again, back. Adding a certificate
moves the backend's rule from HTTP 80 to HTTPS 443 with its weights and tags, leaving one rule that
forwards to its target groups (what ecs_blue_green's find_rule needs); removing it moves it back.
(The offline AWS routes no traffic: what AWS does with these rules and groups is checked as
configuration; it refuses a target group on two load balancers, as AWS does.)

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


def rules_by_path(name=NAME_PREFIX):
    """path pattern -> the rule on each listener of load balancer `name`: its port, ARN and weights."""
    elbv2 = boto3.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    found = {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
        for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
            paths = [c for c in rule["Conditions"] if c["Field"] == "path-pattern"]
            if not paths:
                continue
            weights = {
                g["TargetGroupArn"].split("/")[1].rsplit("-", 1)[1]: g["Weight"]
                for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
            }
            found.setdefault(paths[0]["Values"][0], []).append(
                {"port": listener["Port"], "arn": rule["RuleArn"], "weights": weights}
            )
    return found


def balancer(name):
    found = boto3.client("elbv2").describe_load_balancers()["LoadBalancers"]
    return next((lb for lb in found if lb["LoadBalancerName"] == name), None)


def security_groups():
    """group name -> the group names (or CIDRs) each of its ingress rules admits."""
    groups = boto3.client("ec2").describe_security_groups()["SecurityGroups"]
    names = {g["GroupId"]: g["GroupName"] for g in groups}
    return {
        g["GroupName"]: sorted(
            {
                names.get(p["GroupId"], p["GroupId"])
                for rule in g["IpPermissions"]
                for p in rule.get("UserIdGroupPairs", [])
            }
            | {r["CidrIp"] for rule in g["IpPermissions"] for r in rule.get("IpRanges", [])}
        )
        for g in groups
    }


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


INTERNAL = f"{NAME_PREFIX}-internal"


def check_ml_sits_behind_the_internal_load_balancer_unless_made_public(run_playbook, tmp_path):
    public, internal = balancer(NAME_PREFIX), balancer(INTERNAL)
    assert (public["Scheme"], internal["Scheme"]) == ("internet-facing", "internal")
    private_subnets = {
        s["SubnetId"]
        for s in boto3.client("ec2").describe_subnets()["Subnets"]
        if {"Key": "Tier", "Value": "private"} in s.get("Tags", [])
    }
    assert {zone["SubnetId"] for zone in internal["AvailabilityZones"]} == private_subnets
    assert list(rules_by_path(NAME_PREFIX)) == ["/api/*"]
    assert [r["port"] for r in rules_by_path(INTERNAL)["/ml/*"]] == [80]
    groups = security_groups()
    assert groups[f"{NAME_PREFIX}-alb-internal"] == [f"{NAME_PREFIX}-backend"]
    assert groups[f"{NAME_PREFIX}-ml"] == [f"{NAME_PREFIX}-alb-internal"]
    assert groups[f"{NAME_PREFIX}-backend"] == [f"{NAME_PREFIX}-alb"]

    # A deployment moved the ML service's traffic to green: moving its rule must keep that.
    elbv2 = boto3.client("elbv2")
    ml = elbv2.describe_rules(RuleArns=[rules_by_path(INTERNAL)["/ml/*"][0]["arn"]])["Rules"][0]
    moved = [
        {"TargetGroupArn": g["TargetGroupArn"], "Weight": 100 if "-ml-green/" in g["TargetGroupArn"] else 0}
        for g in ml["Actions"][0]["ForwardConfig"]["TargetGroups"]
    ]
    elbv2.modify_rule(RuleArn=ml["RuleArn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": moved}}])

    alb_only = tmp_path / "alb.yml"
    alb_only.write_text(ALB_ONLY)
    public_ml = {"alb_public_services": ["backend", "ml"]}
    refused = run_playbook(str(alb_only), extra_vars=public_ml)
    assert refused.returncode != 0
    assert "alb_move_between_load_balancers: true" in refused.stdout, refused.output
    assert rules_by_path(INTERNAL)["/ml/*"][0]["arn"] == ml["RuleArn"]

    told = {**public_ml, "alb_move_between_load_balancers": True}
    run_playbook(str(alb_only), extra_vars=told).check()
    rules = rules_by_path(NAME_PREFIX)
    assert [r["weights"] for r in rules["/ml/*"]] == [{"blue": 0, "green": 100}]
    assert balancer(INTERNAL) is None
    again = run_playbook(str(alb_only), extra_vars=told).check()
    assert again.changed == 0, again.output

    # Private again: back behind the internal load balancer, the weights kept.
    run_playbook(str(alb_only), extra_vars={"alb_move_between_load_balancers": True}).check()
    assert "/ml/*" not in rules_by_path(NAME_PREFIX)
    assert [r["weights"] for r in rules_by_path(INTERNAL)["/ml/*"]] == [{"blue": 0, "green": 100}]


def check_adding_a_certificate_moves_the_rule_with_its_weights(run_playbook, tmp_path):
    alb_only = tmp_path / "alb.yml"
    alb_only.write_text(ALB_ONLY)
    elbv2 = boto3.client("elbv2")
    api = rules_by_path()["/api/*"][0]
    elbv2.modify_rule(
        RuleArn=api["arn"],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {
                            "TargetGroupArn": g["TargetGroupArn"],
                            "Weight": 100 if "-green/" in g["TargetGroupArn"] else 0,
                        }
                        for g in elbv2.describe_rules(RuleArns=[api["arn"]])["Rules"][0]["Actions"][0]["ForwardConfig"][
                            "TargetGroups"
                        ]
                    ]
                },
            }
        ],
    )
    elbv2.add_tags(ResourceArns=[api["arn"]], Tags=[{"Key": "ecs_blue_green:previous_color", "Value": "blue"}])
    certificate = boto3.client("acm").request_certificate(DomainName="api.example.com")["CertificateArn"]

    with_tls = {"alb_certificate_arn": certificate}
    first = run_playbook(str(alb_only), extra_vars=with_tls).check()
    rules = rules_by_path()["/api/*"]
    # One rule forwards to the backend's target groups (find_rule needs exactly one), on 443, as it was.
    assert [(r["port"], r["weights"]) for r in rules] == [(443, {"blue": 0, "green": 100})], first.output
    tags = elbv2.describe_tags(ResourceArns=[rules[0]["arn"]])["TagDescriptions"][0]["Tags"]
    assert {"Key": "ecs_blue_green:previous_color", "Value": "blue"} in tags
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer(NAME_PREFIX)["LoadBalancerArn"])["Listeners"]
    http = next(listener for listener in listeners if listener["Port"] == 80)
    assert http["DefaultActions"][0]["Type"] == "redirect"
    # The backend still calls the ML service over plain HTTP inside the VPC.
    assert [r["port"] for r in rules_by_path(INTERNAL)["/ml/*"]] == [80]
    again = run_playbook(str(alb_only), extra_vars=with_tls).check()
    assert again.changed == 0, again.output

    run_playbook(str(alb_only)).check()
    assert [(r["port"], r["weights"]) for r in rules_by_path()["/api/*"]] == [(80, {"blue": 0, "green": 100})]
    ports = [
        x["Port"]
        for x in elbv2.describe_listeners(LoadBalancerArn=balancer(NAME_PREFIX)["LoadBalancerArn"])["Listeners"]
    ]
    assert ports == [80]


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
    internal = balancer(INTERNAL)["DNSName"]
    assert environment["ML_SERVICE_URL"] == f"http://{internal}/ml"
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


def test_exposure_certificates_and_the_serving_switch(run_playbook, tmp_path):
    run_playbook("playbooks/infra.yml").check()
    check_ml_sits_behind_the_internal_load_balancer_unless_made_public(run_playbook, tmp_path)
    check_adding_a_certificate_moves_the_rule_with_its_weights(run_playbook, tmp_path)
    check_the_serving_switch_reaches_the_backend_both_ways(run_playbook, tmp_path)
