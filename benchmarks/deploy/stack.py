"""A blue/green ECS service on the offline AWS, made with boto3 (what the alb and ecs_service roles make).

Shared by the deploy benchmark and tests/playbooks/test_deploy_playbooks.py so both start from the
same prerequisites without depending on the infra roles: a VPC with two subnets, an ALB with an
HTTP listener, target groups `<service>-blue|green`, one listener rule forwarding to both (blue 100 /
green 0), a Fargate cluster, a task definition and the services `<service>-blue` (running it) and
`<service>-green` (desired count 0). ECS tasks never run offline, so `register_targets` puts IPs
into a target group the way ECS would register its tasks.
"""

import itertools

import boto3

_ips = itertools.count(10)


def create(service, cluster, container="app", image="registry.local/app:1", desired_count=1, path="/api/*", port=8000):
    ec2, elbv2, ecs = boto3.client("ec2"), boto3.client("elbv2"), boto3.client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName=f"{service}-sg", Description="blue/green test", VpcId=vpc)["GroupId"]
    lb = elbv2.create_load_balancer(Name=f"{cluster}-alb"[:32], Subnets=subnets, SecurityGroups=[sg])["LoadBalancers"][
        0
    ]
    groups = {
        color: elbv2.create_target_group(
            Name=f"{service}-{color}", Protocol="HTTP", Port=port, VpcId=vpc, TargetType="ip", HealthCheckPath="/health"
        )["TargetGroups"][0]["TargetGroupArn"]
        for color in ("blue", "green")
    }
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": [path]}],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": groups["blue"], "Weight": 100},
                        {"TargetGroupArn": groups["green"], "Weight": 0},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": False},
                },
            }
        ],
    )["Rules"][0]["RuleArn"]
    ecs.create_cluster(clusterName=cluster)
    task_definition = ecs.register_task_definition(
        family=service,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": container,
                "image": image,
                "essential": True,
                "portMappings": [{"containerPort": port}],
                "environment": [{"name": "APP_ENV", "value": "test"}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    for color, count in (("blue", desired_count), ("green", 0)):
        ecs.create_service(
            cluster=cluster,
            serviceName=f"{service}-{color}",
            taskDefinition=task_definition,
            desiredCount=count,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
            loadBalancers=[{"targetGroupArn": groups[color], "containerName": container, "containerPort": port}],
        )
    register_targets(groups["blue"], desired_count, port)
    return {
        "cluster": cluster,
        "service": service,
        "container": container,
        "task_definition": task_definition,
        "target_groups": groups,
        "listener_arn": listener,
        "rule_arn": rule,
        "load_balancer_arn": lb["LoadBalancerArn"],
    }


def register_targets(target_group_arn, count, port=8000):
    """Register `count` new IPs into a target group, as ECS does for the tasks it starts."""
    ips = [f"10.0.1.{next(_ips) % 250 + 2}" for _ in range(count)]
    boto3.client("elbv2").register_targets(
        TargetGroupArn=target_group_arn, Targets=[{"Id": ip, "Port": port} for ip in ips]
    )
    return ips
