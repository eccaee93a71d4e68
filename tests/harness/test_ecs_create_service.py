"""CreateService keeps the deployment configuration, grace period and capacity provider strategy."""

import boto3


def _service(ecs, ec2, **extra):
    ecs.create_cluster(clusterName="c", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.register_task_definition(
        family="f",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "img", "essential": True}],
    )
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    return ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="f:1",
        desiredCount=1,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        **extra,
    )["service"]


def test_create_service_keeps_what_it_was_given(aws):
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    breaker = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    strategy = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    created = _service(
        ecs, ec2, deploymentConfiguration=breaker, healthCheckGracePeriodSeconds=60, capacityProviderStrategy=strategy
    )
    described = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    for service in (created, described):
        assert service["deploymentConfiguration"] == breaker
        assert service["healthCheckGracePeriodSeconds"] == 60
        assert service["capacityProviderStrategy"] == strategy
        assert "launchType" not in service


def test_launch_type_is_kept_without_a_strategy(aws):
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    created = _service(ecs, ec2, launchType="FARGATE")
    assert created["launchType"] == "FARGATE"
    assert "healthCheckGracePeriodSeconds" not in created
