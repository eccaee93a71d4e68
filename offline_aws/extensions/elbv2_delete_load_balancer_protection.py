"""ELBv2 DeleteLoadBalancer refuses a load balancer whose deletion protection is on, as AWS does.

AWS API reference, DeleteLoadBalancer, errors: OperationNotPermitted ("This operation is not
allowed."); the ELB guide: "You can't delete a load balancer if deletion protection is enabled".
moto deletes it anyway, so a teardown of prod (alb_deletion_protection: true) passed here and would
stop halfway on AWS, with the services already gone.
"""


def apply():
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import ELBv2Backend

    original_delete_load_balancer = ELBv2Backend.delete_load_balancer

    def delete_load_balancer(self, arn):
        balancer = self.load_balancers.get(arn)
        if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
            raise ELBClientError(
                "OperationNotPermitted",
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
            )
        return original_delete_load_balancer(self, arn)

    ELBv2Backend.delete_load_balancer = delete_load_balancer
