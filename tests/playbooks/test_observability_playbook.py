"""playbooks/observability.yml: per-colour alarms on each service's target groups, and the dashboard."""

import json

import boto3
import pytest

SERVICES = ("backend", "ml")
PREFIX = "mobileml-local"


@pytest.fixture
def load_balancer(aws):
    """The ALBs with each service's blue and green target groups, as the alb role leaves them: the
    backend's behind the internet-facing one, the ML service's behind the internal one."""
    ec2 = boto3.client("ec2")
    elbv2 = boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]
        for i, zone in enumerate("ab")
    ]
    subnets = [subnet["SubnetId"] for subnet in subnets]
    balancers = {
        "backend": elbv2.create_load_balancer(Name=PREFIX, Subnets=subnets)["LoadBalancers"][0],
        "ml": elbv2.create_load_balancer(Name=f"{PREFIX}-internal", Subnets=subnets, Scheme="internal")[
            "LoadBalancers"
        ][0],
    }
    groups = {}
    for service in SERVICES:
        for color in ("blue", "green"):
            group = elbv2.create_target_group(
                Name=f"{PREFIX}-{service}-{color}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip"
            )["TargetGroups"][0]
            groups[(service, color)] = group["TargetGroupArn"]
    for priority, service in enumerate(SERVICES, start=1):
        listener = elbv2.create_listener(
            LoadBalancerArn=balancers[service]["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]
        elbv2.create_rule(
            ListenerArn=listener["ListenerArn"],
            Priority=priority,
            Conditions=[{"Field": "path-pattern", "Values": [f"/{service}/*"]}],
            Actions=[
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": groups[(service, "blue")], "Weight": 100},
                            {"TargetGroupArn": groups[(service, "green")], "Weight": 0},
                        ]
                    },
                }
            ],
        )
    return balancers, groups


def alarms():
    cloudwatch = boto3.client("cloudwatch")
    return {alarm["AlarmName"]: alarm for alarm in cloudwatch.describe_alarms()["MetricAlarms"]}


def test_alarms_watch_each_colour_and_rerun_changes_nothing(run_playbook, load_balancer):
    balancers, groups = load_balancer
    first = run_playbook("playbooks/observability.yml").check()
    assert first.changed > 0

    found = alarms()
    assert len(found) == 8
    for service in SERVICES:
        for color in ("blue", "green"):
            for kind in ("5xx", "latency"):
                alarm = found[f"{PREFIX}-{service}-{color}-{kind}"]
                dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
                assert dimensions["TargetGroup"] == groups[(service, color)].split(":")[-1]
                # Each service's own load balancer (the ML service's is the internal one).
                assert dimensions["LoadBalancer"] == balancers[service]["LoadBalancerArn"].split(":loadbalancer/")[1]
                assert alarm["TreatMissingData"] == "notBreaching"
                assert alarm["AlarmActions"][0].endswith(f":{PREFIX}-alerts")
    assert found[f"{PREFIX}-ml-green-latency"]["ExtendedStatistic"] == "p99"

    # The dashboard: one row of four charts per service, on the same target groups as the alarms.
    body = json.loads(boto3.client("cloudwatch").get_dashboard(DashboardName=PREFIX)["DashboardBody"])
    titles = [widget["properties"]["title"] for widget in body["widgets"]]
    assert titles == [
        f"{service}: {chart}"
        for service in SERVICES
        for chart in ("requests", "5xx responses", "p99 response time (s)", "ECS CPU and memory (%)")
    ]
    p99 = body["widgets"][2]["properties"]
    backend_groups = [groups[("backend", colour)].split(":")[-1] for colour in ("blue", "green")]
    assert [metric[5] for metric in p99["metrics"]] == backend_groups
    assert p99["annotations"]["horizontal"][0]["value"] == found[f"{PREFIX}-backend-blue-latency"]["Threshold"]
    assert [metric[5] for metric in body["widgets"][3]["properties"]["metrics"]] == [
        f"{PREFIX}-backend-blue",
        f"{PREFIX}-backend-green",
    ] * 2
    assert f"#dashboards:name={PREFIX}" in first.stdout

    assert run_playbook("playbooks/observability.yml").check().changed == 0


def test_check_mode_on_an_empty_account_fails_clearly_and_creates_nothing(run_playbook):
    result = run_playbook("playbooks/observability.yml", check_mode=True)
    assert result.returncode != 0
    assert "observability_target_group_name" in result.stdout
    assert alarms() == {}


def test_absent_removes_topic_and_alarms(run_playbook, load_balancer):
    run_playbook("playbooks/observability.yml").check()
    run_playbook("playbooks/observability.yml", extra_vars={"observability_state": "absent"}).check()
    assert alarms() == {}
    assert boto3.client("sns").list_topics()["Topics"] == []
    assert boto3.client("cloudwatch").list_dashboards()["DashboardEntries"] == []
