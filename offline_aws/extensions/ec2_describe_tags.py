"""EC2 DescribeTags: report and filter NAT gateways with the resource type AWS uses, `natgateway`.

moto names the type `nat-gateway`, so a `resource-type=natgateway` filter (what amazon.aws's
`describe_ec2_tags` sends for `ec2_vpc_nat_gateway`) finds no tags, and the module re-tags the
gateway on every run. AWS API reference, DescribeTags: resource-type values include `natgateway`.
"""

AWS_RESOURCE_TYPES = {"nat": "natgateway"}


def apply():
    from moto.ec2.models import tags

    # The module-level name that DescribeTags reads; a copy so other users of moto.ec2.utils keep theirs.
    tags.EC2_PREFIX_TO_RESOURCE = {**tags.EC2_PREFIX_TO_RESOURCE, **AWS_RESOURCE_TYPES}
