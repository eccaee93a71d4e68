"""EC2 DeleteVpc refuses a VPC that still has security groups (other than its default one) or an
attached internet gateway, as AWS does.

AWS API reference, DeleteVpc: "You must detach or delete all gateways and resources that are
associated with the VPC before you can delete it", answering DependencyViolation ("The vpc 'vpc-...'
has dependencies and cannot be deleted."). moto checks subnets and route tables but deletes a VPC
with security groups left in it (and has a TODO for internet gateways), so a teardown that forgot a
group passed here and failed on AWS.
"""


def apply():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend

    original_delete_vpc = EC2Backend.delete_vpc

    def delete_vpc(self, vpc_id):
        groups = [g for g in self.groups.get(vpc_id, {}).values() if g.name != "default"]
        gateways = [g for g in self.internet_gateways.values() if g.vpc is not None and g.vpc.id == vpc_id]
        if groups or gateways:
            raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        return original_delete_vpc(self, vpc_id)

    EC2Backend.delete_vpc = delete_vpc
