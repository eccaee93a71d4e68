"""A target group is forwarded to by one load balancer at most, as AWS's ALB quota says."""

import boto3
import pytest
from botocore.exceptions import ClientError


def _two_balancers_and_a_group():
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    balancers = [
        elbv2.create_load_balancer(Name=name, Subnets=subnets, Scheme=scheme)["LoadBalancers"][0]["LoadBalancerArn"]
        for name, scheme in (("public", "internet-facing"), ("inside", "internal"))
    ]
    group = elbv2.create_target_group(Name="ml-blue", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=arn,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        for arn in balancers
    ]
    return elbv2, balancers, group["TargetGroups"][0]["TargetGroupArn"], listeners


def _rule(elbv2, listener, group, priority=10):
    return elbv2.create_rule(
        ListenerArn=listener,
        Priority=priority,
        Conditions=[{"Field": "path-pattern", "Values": ["/ml/*"]}],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": group, "Weight": 100}]}}],
    )["Rules"][0]["RuleArn"]


def test_a_second_load_balancer_is_refused_until_the_first_lets_the_group_go(aws):
    elbv2, balancers, group, (public_listener, inside_listener) = _two_balancers_and_a_group()
    public_rule = _rule(elbv2, public_listener, group)
    _rule(elbv2, public_listener, group, priority=20)  # a second rule on the same load balancer is fine

    with pytest.raises(ClientError) as caught:
        _rule(elbv2, inside_listener, group)
    assert caught.value.response["Error"]["Code"] == "TargetGroupAssociationLimit"
    with pytest.raises(ClientError) as caught:
        elbv2.modify_listener(
            ListenerArn=inside_listener, DefaultActions=[{"Type": "forward", "TargetGroupArn": group}]
        )
    assert caught.value.response["Error"]["Code"] == "TargetGroupAssociationLimit"

    elbv2.delete_rule(RuleArn=public_rule)
    rest = [r for r in elbv2.describe_rules(ListenerArn=public_listener)["Rules"] if not r["IsDefault"]]
    elbv2.delete_rule(RuleArn=rest[0]["RuleArn"])
    # Deleting the rules lets the group go (moto alone keeps reporting the old association).
    assert elbv2.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == []
    _rule(elbv2, inside_listener, group)
    assert elbv2.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == [
        balancers[1]
    ]


def test_deleting_the_load_balancer_releases_its_groups(aws):
    elbv2, balancers, group, (public_listener, inside_listener) = _two_balancers_and_a_group()
    _rule(elbv2, public_listener, group)
    elbv2.delete_load_balancer(LoadBalancerArn=balancers[0])
    _rule(elbv2, inside_listener, group)
    assert elbv2.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == [
        balancers[1]
    ]
