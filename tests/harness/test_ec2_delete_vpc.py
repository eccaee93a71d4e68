"""DeleteVpc refuses a VPC with security groups or an attached internet gateway left, as AWS does."""

import boto3
import pytest
from botocore.exceptions import ClientError


def refused(ec2, vpc):
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc)
    return caught.value.response["Error"]["Code"] == "DependencyViolation"


def test_a_vpc_with_a_security_group_or_gateway_left_is_refused(aws):
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="left", Description="left", VpcId=vpc)["GroupId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    assert refused(ec2, vpc)
    ec2.delete_security_group(GroupId=group)
    assert refused(ec2, vpc)  # the gateway is still attached
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)  # only its default group was left: AWS deletes it with the VPC
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"] == []
