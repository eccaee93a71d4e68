"""STS AssumeRole by an AWS service principal (ECS tasks, CodeBuild, SageMaker, ...).

On AWS a task role trusts `ecs-tasks.amazonaws.com`, and it is ECS, not a user, that assumes it
and hands the credentials to the container. moto only knows users and roles as callers, so a
role that trusts a service can never be assumed under its access control. The offline AWS lets
an IAM user stand in for one service: a user tagged `offline-aws:service-principal` with the
service's name (e.g. `ecs-tasks.amazonaws.com`) assumes a role exactly when the role's trust
policy allows that service principal `sts:AssumeRole`; the user still needs `sts:AssumeRole`
on the role in its own policy. Every other caller goes through moto's own trust check.
"""

import json

from moto.iam.access_control import IAMRequestBase

SERVICE_PRINCIPAL_TAG = "offline-aws:service-principal"
_original = IAMRequestBase._check_role_trust_relationship


def acting_service(request):
    """The service the caller stands in for, or None (roles and untagged users)."""
    arn = request._access_key.arn
    if ":user/" not in arn:
        return None
    tags = request.backend.list_user_tags(arn.rsplit("/", 1)[1])
    return {tag["Key"]: tag["Value"] for tag in tags}.get(SERVICE_PRINCIPAL_TAG)


def trusts_service(trust_policy, service, action="sts:AssumeRole"):
    statements = trust_policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = [actions] if isinstance(actions, str) else actions
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and action in actions and service in services:
            return True
    return False


def check_role_trust_relationship(self, role_arn):
    service = acting_service(self)
    if service is None:
        return _original(self, role_arn)
    role = self.backend.get_role_by_arn(role_arn)
    return trusts_service(json.loads(role.assume_role_policy_document), service, self._action)


def apply():
    IAMRequestBase._check_role_trust_relationship = check_role_trust_relationship
