"""A deleted load balancer's or ECS service's network interfaces are released later, as on AWS:
until then its security groups and subnets cannot be deleted, nor the internet gateway detached."""

import time

import boto3
import pytest
from botocore.exceptions import ClientError

from offline_aws import server

RELEASE_SECONDS = 2


@pytest.fixture(scope="module")
def quick_release(tmp_path_factory):
    """A server of its own whose interfaces are released after RELEASE_SECONDS (the default is 20)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OFFLINE_AWS_ENI_RELEASE_SECONDS", str(RELEASE_SECONDS))
        running = server.start(state_dir=tmp_path_factory.mktemp("eni-release"))
    try:
        yield running
    finally:
        server.stop(server=running)


@pytest.fixture
def aws_quick(quick_release, monkeypatch):
    quick_release.reset()
    for key, value in quick_release.environment().items():
        monkeypatch.setenv(key, value)
    return quick_release


def network_with_a_load_balancer():
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="other", Description="other", VpcId=vpc)["GroupId"]
    elbv2 = boto3.client("elbv2")
    arn = elbv2.create_load_balancer(Name="lb", Subnets=subnets, SecurityGroups=[group], Scheme="internet-facing")[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    return {"vpc": vpc, "igw": igw, "subnets": subnets, "group": group, "other": other, "arn": arn}


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_the_network_of_a_deleted_load_balancer_is_busy_then_released(aws_quick):
    net = network_with_a_load_balancer()
    ec2 = boto3.client("ec2")
    boto3.client("elbv2").delete_load_balancer(LoadBalancerArn=net["arn"])

    code, message = error_code(ec2.delete_security_group, GroupId=net["group"])
    assert code == "DependencyViolation" and net["group"] in message
    assert error_code(ec2.delete_subnet, SubnetId=net["subnets"][0])[0] == "DependencyViolation"
    code, message = error_code(ec2.detach_internet_gateway, InternetGatewayId=net["igw"], VpcId=net["vpc"])
    assert code == "DependencyViolation" and "mapped public address" in message
    ec2.delete_security_group(GroupId=net["other"])  # not the load balancer's: deleted at once

    time.sleep(RELEASE_SECONDS + 0.5)
    ec2.delete_security_group(GroupId=net["group"])
    ec2.delete_subnet(SubnetId=net["subnets"][0])
    ec2.detach_internet_gateway(InternetGatewayId=net["igw"], VpcId=net["vpc"])


def test_an_ecs_services_task_interfaces_are_released_later(aws_quick):
    net = network_with_a_load_balancer()
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    ecs.create_cluster(clusterName="c")
    ecs.register_task_definition(
        family="t",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "app:1", "memory": 512}],
    )
    ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="t",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": net["subnets"][:1], "securityGroups": [net["other"]]}
        },
    )
    ecs.delete_service(cluster="c", service="s", force=True)

    assert error_code(ec2.delete_security_group, GroupId=net["other"])[0] == "DependencyViolation"
    assert error_code(ec2.delete_subnet, SubnetId=net["subnets"][0])[0] == "DependencyViolation"
    time.sleep(RELEASE_SECONDS + 0.5)
    ec2.delete_security_group(GroupId=net["other"])


def test_a_late_first_deletion_is_still_refused_once(aws_quick):
    # However long the caller waited, its first attempt meets the dependency once: a caller that does
    # not retry DependencyViolation fails here as it would on AWS, whatever the machine's load.
    net = network_with_a_load_balancer()
    ec2 = boto3.client("ec2")
    boto3.client("elbv2").delete_load_balancer(LoadBalancerArn=net["arn"])
    time.sleep(RELEASE_SECONDS + 0.5)
    assert error_code(ec2.delete_security_group, GroupId=net["group"])[0] == "DependencyViolation"
    ec2.delete_security_group(GroupId=net["group"])


def test_the_default_holds_interfaces_for_twenty_seconds(aws):
    net = network_with_a_load_balancer()
    boto3.client("elbv2").delete_load_balancer(LoadBalancerArn=net["arn"])
    assert error_code(boto3.client("ec2").delete_security_group, GroupId=net["group"])[0] == "DependencyViolation"
