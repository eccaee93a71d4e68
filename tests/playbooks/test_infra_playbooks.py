"""playbooks/infra.yml + services.yml (site.yml's infrastructure half) and teardown.yml against the
offline AWS, as a user runs them (both playbooks in one ansible-playbook run, as site.yml imports them).

Check mode on an empty account creates nothing; on a converged account check mode plans nothing
(the plain re-run reporting changed=0 is molecule/default's idempotence step); changes made by hand
(drift) are seen by check mode and undone by a re-run, although the roles skip the modules of what
already matches; a lane of infra.yml that fails stops the run before services.yml; teardown removes
it all and can run again; bad input fails before any AWS call with a message that names the variable.
"""

import shutil
from pathlib import Path

import boto3
import pytest

NAME_PREFIX = "mobileml-local"  # inventories/local: app_name mobileml, env_name local
REPO = Path(__file__).resolve().parents[2]
REPO_INVENTORY = REPO / "inventories" / "local"


@pytest.fixture
def infra_services(tmp_path):
    """A playbook importing infra.yml then services.yml, as site.yml does (ansible-playbook takes the
    playbooks before its options, which run_playbook puts after the first one)."""
    playbook = tmp_path / "infra_services.yml"
    playbook.write_text(
        "---\n"
        f"- ansible.builtin.import_playbook: {REPO / 'playbooks' / 'infra.yml'}\n"
        f"- ansible.builtin.import_playbook: {REPO / 'playbooks' / 'services.yml'}\n"
    )
    return str(playbook)


def stack_resources():
    """What the infra roles create, read straight from AWS (empty lists when nothing exists)."""
    ec2, elbv2, ecs = boto3.client("ec2"), boto3.client("elbv2"), boto3.client("ecs")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{NAME_PREFIX}-vpc"]}])["Vpcs"]
    clusters = ecs.describe_clusters(clusters=[NAME_PREFIX])["clusters"]
    roles = boto3.client("iam").list_roles()["Roles"]
    return {
        "vpcs": [v["VpcId"] for v in vpcs],
        "load_balancers": [lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]],
        "target_groups": [tg["TargetGroupName"] for tg in elbv2.describe_target_groups()["TargetGroups"]],
        "clusters": [c["clusterName"] for c in clusters if c["status"] == "ACTIVE"],
        "repositories": [r["repositoryName"] for r in boto3.client("ecr").describe_repositories()["repositories"]],
        "roles": [r["RoleName"] for r in roles if r["RoleName"].startswith(NAME_PREFIX)],
        "secrets": [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]],
        "scalable_targets": [
            t["ResourceId"]
            for t in boto3.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")[
                "ScalableTargets"
            ]
        ],
    }


def drift_by_hand():
    """One change made outside Ansible to each kind of resource the roles read once and gate."""
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    public = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [f"{NAME_PREFIX}-public"]}])
    ec2.delete_route(RouteTableId=public["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    ml_group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{NAME_PREFIX}-ml"]}])
    ec2.authorize_security_group_ingress(
        GroupId=ml_group["SecurityGroups"][0]["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    subnet = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [f"{NAME_PREFIX}-private-us-east-1a"]}])
    ec2.create_tags(Resources=[subnet["Subnets"][0]["SubnetId"]], Tags=[{"Key": "Tier", "Value": "edited"}])
    group = elbv2.describe_target_groups(Names=[f"{NAME_PREFIX}-ml-blue"])["TargetGroups"][0]
    elbv2.modify_target_group(TargetGroupArn=group["TargetGroupArn"], HealthCheckPath="/edited")
    boto3.client("logs").put_retention_policy(logGroupName=f"/ecs/{NAME_PREFIX}/ml", retentionInDays=1)
    boto3.client("application-autoscaling").delete_scaling_policy(
        PolicyName=f"{NAME_PREFIX}-ml-cpu",
        ServiceNamespace="ecs",
        ResourceId=f"service/{NAME_PREFIX}/{NAME_PREFIX}-ml-blue",
        ScalableDimension="ecs:service:DesiredCount",
    )


def drift_left():
    """What of drift_by_hand is still there (empty when the roles undid all of it)."""
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    left = []
    public = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": [f"{NAME_PREFIX}-public"]}])
    if not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in public["RouteTables"][0]["Routes"]):
        left.append("route to the internet gateway")
    ml_group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{NAME_PREFIX}-ml"]}])
    if any(p.get("FromPort") == 22 for p in ml_group["SecurityGroups"][0]["IpPermissions"]):
        left.append("ssh rule")
    subnet = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": [f"{NAME_PREFIX}-private-us-east-1a"]}])
    if {"Key": "Tier", "Value": "private"} not in subnet["Subnets"][0]["Tags"]:
        left.append("subnet tag")
    if (
        elbv2.describe_target_groups(Names=[f"{NAME_PREFIX}-ml-blue"])["TargetGroups"][0]["HealthCheckPath"]
        != "/health"
    ):
        left.append("health check path")
    log_group = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{NAME_PREFIX}/ml")["logGroups"][0]
    if log_group.get("retentionInDays") == 1:
        left.append("log retention")
    policies = boto3.client("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=f"service/{NAME_PREFIX}/{NAME_PREFIX}-ml-blue"
    )["ScalingPolicies"]
    if not policies:
        left.append("scaling policy")
    return left


KINDS = ("vpcs", "load_balancers", "target_groups", "clusters", "repositories", "roles", "secrets", "scalable_targets")
NOTHING = {k: [] for k in KINDS}


def test_check_mode_on_an_empty_account_creates_nothing(run_playbook, infra_services):
    run = run_playbook(infra_services, check_mode=True).check()
    assert run.changed > 0, run.output
    assert stack_resources() == NOTHING


def test_converge_then_check_mode_plans_nothing_and_teardown_removes_it(run_playbook, infra_services):
    first = run_playbook(infra_services).check()
    assert first.changed > 0
    created = stack_resources()
    assert len(created["vpcs"]) == 1 and sorted(created["load_balancers"]) == [NAME_PREFIX, f"{NAME_PREFIX}-internal"]
    assert len(created["target_groups"]) == 4 and created["clusters"] == [NAME_PREFIX]
    # Both task definitions ask Fargate for the architecture the images are built for.
    ecs = boto3.client("ecs")
    for service in ("backend", "ml"):
        task_definition = ecs.describe_task_definition(taskDefinition=f"{NAME_PREFIX}-{service}")["taskDefinition"]
        assert task_definition["runtimePlatform"] == {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    # Autoscaling follows the live colour of each service (teardown must deregister them: below).
    assert sorted(created["scalable_targets"]) == [
        f"service/{NAME_PREFIX}/{NAME_PREFIX}-{service}-blue" for service in ("backend", "ml")
    ]

    # A plain re-run of this same converge reporting changed=0 is molecule/default's idempotence
    # step (it imports the same two playbooks); here check mode must plan nothing on top of it.
    planned = run_playbook(infra_services, check_mode=True).check()
    assert planned.changed == 0, planned.output
    # services.yml alone looks the infra facts up instead of receiving them.
    alone = run_playbook("playbooks/services.yml").check()
    assert alone.changed == 0, alone.output

    # The roles read each kind of resource once and run a module only for what differs: drift made
    # by hand must still be seen (check mode) and undone (a re-run).
    drift_by_hand()
    seen = run_playbook(infra_services, check_mode=True).check()
    assert seen.changed >= 6, seen.output
    assert len(drift_left()) == 6
    run_playbook(infra_services).check()
    assert drift_left() == []

    # A lane of infra.yml that fails (AWS refuses a policy) stops the run before services.yml.
    failed = run_playbook(
        infra_services,
        extra_vars={
            "ecs_cluster_task_role_extra_statements": {
                "backend": [{"Effect": "Allow", "Action": "bad", "Resource": "*"}]
            }
        },
    )
    assert failed.returncode != 0
    assert "MalformedPolicyDocument" in failed.stdout and "lane-2 did not finish" in failed.stdout, failed.output
    assert "Create the blue and green ECS services" not in failed.stdout

    refused = run_playbook("playbooks/teardown.yml")
    assert refused.returncode != 0 and "teardown_confirm" in refused.stdout
    # Deletion protection on (prod's setting): AWS refuses DeleteLoadBalancer, so teardown refuses
    # before it removes anything, naming the variable to change.
    elbv2 = boto3.client("elbv2")
    # The internal one: teardown refuses for either of the two.
    balancer = elbv2.describe_load_balancers(Names=[f"{NAME_PREFIX}-internal"])["LoadBalancers"][0]["LoadBalancerArn"]
    protection = {"Key": "deletion_protection.enabled", "Value": "true"}
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=balancer, Attributes=[protection])
    protected = run_playbook("playbooks/teardown.yml", extra_vars={"teardown_confirm": NAME_PREFIX})
    assert protected.returncode != 0 and "alb_deletion_protection: false" in protected.stdout, protected.output
    assert stack_resources() == created
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=balancer, Attributes=[{**protection, "Value": "false"}])
    removed = run_playbook("playbooks/teardown.yml", extra_vars={"teardown_confirm": NAME_PREFIX}).check()
    # The offline AWS holds the deleted load balancer's interfaces for a while, as AWS does: the
    # network's deletions answered DependencyViolation and were retried until they went through.
    assert "FAILED - RETRYING: [localhost]: Delete the security groups" in removed.stdout, removed.output
    left = stack_resources()
    assert {k: v for k, v in left.items() if k != "secrets"} == {k: [] for k in NOTHING if k != "secrets"}
    assert all(
        "DeletedDate" in boto3.client("secretsmanager").describe_secret(SecretId=name) for name in left["secrets"]
    )
    run_playbook("playbooks/teardown.yml", extra_vars={"teardown_confirm": NAME_PREFIX}).check()


@pytest.mark.parametrize(
    ("extra_vars", "named"),
    [
        ({"network_vpc_cidr": "10.0.300.0/16"}, "network_vpc_cidr"),
        ({"network_private_subnet_cidrs": ["10.0.10.0/24", "10.0.11.0"]}, "network_private_subnet_cidrs"),
        ({"env_name": "qa"}, "env_name"),
    ],
    ids=["invalid-vpc-cidr", "invalid-subnet-cidr", "unknown-environment"],
)
def test_bad_input_fails_before_any_aws_call(run_playbook, infra_services, extra_vars, named):
    run = run_playbook(infra_services, extra_vars=extra_vars)
    assert run.returncode != 0
    assert named in run.stdout + run.stderr, run.output
    assert stack_resources() == NOTHING


def test_a_missing_variable_is_named(run_playbook, infra_services, tmp_path):
    inventory = tmp_path / "inventory"
    shutil.copytree(REPO_INVENTORY, inventory)
    services = inventory / "group_vars" / "all" / "services.yml"
    services.write_text(services.read_text().replace("app_services:", "app_services_renamed:"))
    run = run_playbook(infra_services, inventory=str(inventory))
    assert run.returncode != 0
    assert "app_services" in run.stdout + run.stderr, run.output
    assert stack_resources() == NOTHING
