"""UpdateService with a new task definition starts a deployment that completes, as AWS's does once steady."""

import boto3


def _service(ecs, ec2):
    ecs.create_cluster(clusterName="c")
    _register(ecs, "img:1")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    return ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition="f:1",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )["service"]


def _register(ecs, image):
    return ecs.register_task_definition(
        family="f",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": image, "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]


def test_a_new_task_definition_is_the_primary_deployment_and_completes(aws):
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    created = _service(ecs, ec2)
    first = created["deployments"][0]
    assert first["rolloutState"] == "IN_PROGRESS"  # moto starts no task at creation
    second = _register(ecs, "img:2")
    ecs.update_service(cluster="c", service="s", taskDefinition="f:2", desiredCount=2)
    service = ecs.describe_services(cluster="c", services=["s"])["services"][0]
    assert service["taskDefinition"] == second  # the ARN, though the request named f:2
    [primary] = service["deployments"]
    assert primary["status"] == "PRIMARY" and primary["taskDefinition"] == second
    assert primary["id"] != first["id"]
    assert (primary["desiredCount"], primary["runningCount"], primary["rolloutState"]) == (2, 2, "COMPLETED")
    assert primary["rolloutStateReason"] == "ECS deployment %s completed." % primary["id"]


def test_a_desired_count_change_keeps_the_deployment(aws):
    ecs, ec2 = boto3.client("ecs"), boto3.client("ec2")
    _service(ecs, ec2)
    _register(ecs, "img:2")
    ecs.update_service(cluster="c", service="s", taskDefinition="f:2")
    deployment = ecs.describe_services(cluster="c", services=["s"])["services"][0]["deployments"][0]
    ecs.update_service(cluster="c", service="s", desiredCount=3)
    [after] = ecs.describe_services(cluster="c", services=["s"])["services"][0]["deployments"]
    assert after["id"] == deployment["id"]
    assert (after["desiredCount"], after["runningCount"], after["rolloutState"]) == (3, 3, "COMPLETED")
