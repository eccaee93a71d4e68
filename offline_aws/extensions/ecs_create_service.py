"""ECS CreateService: keep deploymentConfiguration, healthCheckGracePeriodSeconds and capacityProviderStrategy.

moto 5.2.5 drops these three request members, so a service created with a deployment circuit breaker
or on Fargate capacity providers reads back without them (and with launchType EC2). AWS API reference,
CreateService: the service echoes them; with a capacityProviderStrategy it has no launchType.
"""

KEPT = {
    "deploymentConfiguration": "deployment_configuration",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "capacityProviderStrategy": "capacity_provider_strategy",
}


def apply():
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service

    def create_service(self):
        response = original(self)
        cluster = self._get_param("cluster", "default")
        service = self.ecs_backend._get_service(cluster, self._get_param("serviceName"))
        for member, attribute in KEPT.items():
            value = self._get_param(member)
            if value is not None:
                setattr(service, attribute, value)
        if self._get_param("capacityProviderStrategy") and not self._get_param("launchType"):
            service.launch_type = None
            for deployment in service.deployments:
                deployment["capacityProviderStrategy"] = self._get_param("capacityProviderStrategy")
                deployment.pop("launchType", None)
        # The answer is serialized from the service object after this returns, so it shows the fix too.
        return response

    EC2ContainerServiceResponse.create_service = create_service
