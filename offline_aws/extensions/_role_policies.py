"""What a role's own policies allow, as IAM evaluates them for a service acting with the role.

Shared by the checks that run where a service uses a role without a request of ours: SageMaker
reading a model with its execution role (sagemaker_verify_model_access.py), ECS reading a task's
secrets with the task execution role (live/task_environment.py). Inline and attached policies; an
explicit Deny wins, nothing allowed is a denial (IAM's default).
"""

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition


def find_role(account, region, role_arn):
    iam = iam_backends[account][get_partition(region)]
    return next((role for role in iam.roles.values() if role.arn == role_arn), None)


def role_allows(account, region, role_arn, action, resource):
    iam = iam_backends[account][get_partition(region)]
    role = find_role(account, region, role_arn)
    if role is None:
        return False
    policies = [iam.get_role_policy(role.name, name)[1] for name in iam.list_role_policies(role.name)]
    policies += iam.list_attached_role_policies(role.name)[0]
    results = [IAMPolicy(policy).is_action_permitted(action, resource) for policy in policies]
    return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results
