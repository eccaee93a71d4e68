"""DescribeTags reports NAT gateways as `natgateway` and filters on that type, as AWS does."""

import boto3


def _nat_gateway(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_tags(Resources=[nat], Tags=[{"Key": "Name", "Value": "nat-a"}])
    return nat


def test_nat_gateway_tags_are_found_with_the_aws_resource_type(aws):
    ec2 = boto3.client("ec2")
    nat = _nat_gateway(ec2)
    found = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [nat]}, {"Name": "resource-type", "Values": ["natgateway"]}]
    )["Tags"]
    assert found == [{"Key": "Name", "ResourceId": nat, "ResourceType": "natgateway", "Value": "nat-a"}]


def test_other_resource_types_are_unchanged(aws):
    ec2 = boto3.client("ec2")
    _nat_gateway(ec2)
    found = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc"]}])["Tags"]
    assert found == []
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"][0]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "v"}])
    found = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc"]}])["Tags"]
    assert [t["ResourceType"] for t in found] == ["vpc"]
