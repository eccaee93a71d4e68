"""EC2 DependencyViolation while a deleted load balancer's or ECS service's network interfaces are released.

On AWS, deleting an Application Load Balancer or an ECS service with awsvpc tasks returns at once,
but the elastic network interfaces they held in their subnets, with their security groups, are
released minutes later. Until then DeleteSecurityGroup and DeleteSubnet answer DependencyViolation
("resource sg-... has a dependent object"), and DetachInternetGateway answers DependencyViolation
("Network vpc-... has some mapped public address(es)") while an internet-facing load balancer's
addresses are mapped. moto deletes them all at once, so a teardown that deletes the network right
after the load balancer passed here and failed on AWS.

This keeps those interfaces "in use" for OFFLINE_AWS_ENI_RELEASE_SECONDS (default 20) after the
deletion, answering AWS's errors in the meantime; and, however late it comes, the first attempt to
delete each of those resources is refused once, as a teardown that follows the deletion at once sees
on AWS (so a test of the caller's retries does not depend on how loaded the machine is). 0 turns it off.
"""

import os
import time

DEFAULT_RELEASE_SECONDS = 20.0
# (account, region) -> [{"until", "vpc_id", "subnets", "security_groups", "public", "refused"}]
_releasing = {}


def release_seconds():
    return float(os.environ.get("OFFLINE_AWS_ENI_RELEASE_SECONDS", DEFAULT_RELEASE_SECONDS))


def _ids(items):
    return {getattr(item, "id", item) for item in items or []}


def _record(backend, vpc_id, subnets, security_groups, public):
    seconds = release_seconds()
    if seconds <= 0:
        return
    entries = _releasing.setdefault((backend.account_id, backend.region_name), [])
    entries.append(
        {
            "until": time.monotonic() + seconds,
            "vpc_id": vpc_id,
            "subnets": _ids(subnets),
            "security_groups": _ids(security_groups),
            "public": public,
            "refused": set(),  # the resources whose deletion was refused once already
        }
    )


def _holds(entry, resource_id, now):
    """Whether this release still holds the resource: within its time, or not refused once yet."""
    if now < entry["until"] or resource_id not in entry["refused"]:
        entry["refused"].add(resource_id)
        return True
    return False


def _in_use(backend, kind, resource_id):
    now = time.monotonic()
    entries = _releasing.get((backend.account_id, backend.region_name), [])
    return any([_holds(entry, resource_id, now) for entry in entries if resource_id in entry[kind]])


def _public_addresses_mapped(backend, vpc_id):
    now = time.monotonic()
    entries = _releasing.get((backend.account_id, backend.region_name), [])
    return any([_holds(entry, vpc_id, now) for entry in entries if entry["public"] and entry["vpc_id"] == vpc_id])


def apply():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import EC2Backend
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.elbv2.models import ELBv2Backend

    original_delete_load_balancer = ELBv2Backend.delete_load_balancer
    original_delete_service = EC2ContainerServiceBackend.delete_service
    original_delete_security_group = EC2Backend.delete_security_group
    original_delete_subnet = EC2Backend.delete_subnet
    original_detach_internet_gateway = EC2Backend.detach_internet_gateway

    def delete_load_balancer(self, arn):
        balancer = self.load_balancers.get(arn)
        if balancer is not None:
            _record(self, balancer.vpc_id, balancer.subnets, balancer.security_groups,
                    balancer.scheme == "internet-facing")
        return original_delete_load_balancer(self, arn)

    def delete_service(self, cluster_name, service_name, force):
        service = original_delete_service(self, cluster_name, service_name, force)
        awsvpc = (getattr(service, "network_configuration", None) or {}).get("awsvpcConfiguration") or {}
        if awsvpc.get("subnets"):
            _record(self, None, awsvpc.get("subnets"), awsvpc.get("securityGroups"), False)
        return service

    def delete_security_group(self, name=None, group_id=None):
        if group_id and _in_use(self, "security_groups", group_id):
            raise DependencyViolationError(f"resource {group_id} has a dependent object")
        return original_delete_security_group(self, name=name, group_id=group_id)

    def delete_subnet(self, subnet_id):
        if _in_use(self, "subnets", subnet_id):
            raise DependencyViolationError(
                f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
            )
        return original_delete_subnet(self, subnet_id)

    def detach_internet_gateway(self, internet_gateway_id, vpc_id):
        if _public_addresses_mapped(self, vpc_id):
            raise DependencyViolationError(
                f"Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) "
                "before detaching the gateway."
            )
        return original_detach_internet_gateway(self, internet_gateway_id, vpc_id)

    ELBv2Backend.delete_load_balancer = delete_load_balancer
    EC2ContainerServiceBackend.delete_service = delete_service
    EC2Backend.delete_security_group = delete_security_group
    EC2Backend.delete_subnet = delete_subnet
    EC2Backend.detach_internet_gateway = detach_internet_gateway
