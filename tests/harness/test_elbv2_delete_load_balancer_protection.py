"""DeleteLoadBalancer refuses a load balancer with deletion protection on, as AWS does."""

import boto3
import pytest
from botocore.exceptions import ClientError


def test_a_protected_load_balancer_is_refused_until_protection_is_off(aws):
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    arn = elbv2.create_load_balancer(Name="protected", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}]
    )

    with pytest.raises(ClientError) as caught:
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert caught.value.response["Error"]["Code"] == "OperationNotPermitted"
    assert len(elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]) == 1

    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
    )
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
