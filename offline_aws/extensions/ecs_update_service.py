"""ECS UpdateService: a new task definition starts a new deployment, which completes (moto runs every task at once).

moto 5.2.5 changes the service but keeps its first deployment as it was created: its taskDefinition,
its counts, and a rolloutState of IN_PROGRESS for a service created with tasks (moto starts none at
creation). AWS API reference, UpdateService: a new task definition (or forceNewDeployment) starts a
new deployment, the PRIMARY one, named by the task definition's ARN; Deployment: rolloutState is
COMPLETED once the service reaches a steady state, with rolloutStateReason "ECS deployment <id>
completed.". moto's UpdateService marks every task running at once, so the PRIMARY deployment here
is the service's task definition with all its tasks running, and COMPLETED; the previous one is
drained at once (AWS drains it once the new one is steady). The service's taskDefinition is the ARN,
as AWS answers it, whether the request named family:revision or the ARN. Services of the
CODE_DEPLOY or EXTERNAL controller have no rolling deployments and are left as moto has them.
"""


def apply():
    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random

    original = EC2ContainerServiceBackend.update_service

    def update_service(self, service_properties):
        requested = service_properties.get("task_definition")
        forced = service_properties.get("force_new_deployment", False)
        service = original(self, service_properties)
        if requested:
            service.task_definition = self.describe_task_definition(requested).arn
        if not service.deployments:
            return service
        primary = service.deployments[0]
        now = utcnow()
        if forced or primary.get("taskDefinition") != service.task_definition:
            primary["id"] = "ecs-svc/%d" % mock_random.randint(0, 32**12)
            primary["createdAt"] = now
            primary["taskDefinition"] = service.task_definition
        primary.update(
            desiredCount=service.desired_count,
            runningCount=service.running_count,
            pendingCount=0,
            failedTasks=0,
            rolloutState="COMPLETED",
            rolloutStateReason="ECS deployment %s completed." % primary["id"],
            updatedAt=now,
        )
        del service.deployments[1:]
        return service

    EC2ContainerServiceBackend.update_service = update_service
