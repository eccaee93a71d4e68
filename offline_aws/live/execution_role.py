"""What ECS may do with a task's execution role before its container starts, as AWS decides it.

ECS (the Fargate agent) reads the task definition's ``secrets`` and pulls an ECR image with the
task execution role, not with the caller's rights: the role must trust ``ecs-tasks.amazonaws.com``,
and its policies must allow ``secretsmanager:GetSecretValue`` on the secret or ``ssm:GetParameters``
on the parameter, ``kms:Decrypt`` on a customer managed key that encrypts either (AWS managed keys
need no grant), and for an image of the account's ECR ``ecr:GetAuthorizationToken`` and
``ecr:BatchGetImage``/``ecr:GetDownloadUrlForLayer`` on its repository (AWS: "Amazon ECS task
execution IAM role", "Required IAM permissions for Amazon ECS secrets"). A denial stops the task
with ECS's reason; each function returns that reason, or None when ECS may go on. Images outside
this account's ECR are not checked (a public or loopback registry needs no AWS authorization).
"""

import json
import re

from offline_aws.extensions._role_policies import find_role, role_allows

RETRIEVAL = (
    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: "
)
NOT_AUTHORIZED = (
    "AccessDeniedException: User: {user} is not authorized to perform: {action} on resource: {resource} "
    "because no identity-based policy allows the {action} action"
)
# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag | @digest]
ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<repository>[^:@]+)")
ECS_TASKS = "ecs-tasks.amazonaws.com"


def role_denial(account, region, role_arn, needed_for):
    """The reason ECS cannot use ``role_arn`` at all (``needed_for``: what the task needs it for)."""
    from offline_aws.extensions.sts_assume_role_as_service import trusts_service

    if not role_arn:
        return f"{needed_for} needs the task definition's executionRoleArn, and it has none"
    role = find_role(account, region, role_arn)
    if role is None or not trusts_service(json.loads(role.assume_role_policy_document), ECS_TASKS):
        return (
            f"ECS was unable to assume the role '{role_arn}' that was provided for this task. Please verify "
            "that the role being passed has the proper trust relationship and permissions"
        )
    return None


def secret_denial(account, region, role_arn, task_id, value_from):
    """ECS's reason when the execution role may not read (or decrypt) the secret ``value_from``."""
    user = _assumed_role(account, role_arn, task_id)
    if ":secretsmanager:" in value_from:
        from moto.secretsmanager.models import secretsmanager_backends

        arn = ":".join(value_from.split(":")[:7])
        secret = secretsmanager_backends[account][region].secrets.get(arn)
        arn = secret.arn if secret is not None else arn
        fetch = (
            "unable to retrieve secret from asm: service call has been retried 1 time(s): "
            f"failed to fetch secret {arn} from secrets manager: "
        )
        action = "secretsmanager:GetSecretValue"
        if not role_allows(account, region, role_arn, action, arn):
            return RETRIEVAL + fetch + NOT_AUTHORIZED.format(user=user, action=action, resource=arn)
        key = _customer_managed_key(account, region, getattr(secret, "kms_key_id", None))
        if key and not role_allows(account, region, role_arn, "kms:Decrypt", key):
            return RETRIEVAL + fetch + "AccessDeniedException: Access to KMS is not allowed"
        return None
    from moto.ssm.models import ssm_backends

    name = re.sub(r"^arn:[^:]+:ssm:[^:]*:[^:]*:parameter", "", value_from)
    arn = f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
    fetch = "unable to retrieve secrets from ssm: service call has been retried 1 time(s): "
    if not role_allows(account, region, role_arn, "ssm:GetParameters", arn):
        return RETRIEVAL + fetch + NOT_AUTHORIZED.format(user=user, action="ssm:GetParameters", resource=arn)
    parameter = ssm_backends[account][region].get_parameter(name)
    if parameter is not None and parameter.parameter_type == "SecureString":
        key = _customer_managed_key(account, region, parameter.keyid)
        if key and not role_allows(account, region, role_arn, "kms:Decrypt", key):
            return RETRIEVAL + fetch + NOT_AUTHORIZED.format(user=user, action="kms:Decrypt", resource=key)
    return None


def image_denial(account, region, role_arn, task_id, image):
    """ECS's reason when the execution role may not pull ``image`` from this account's ECR."""
    found = ECR_IMAGE.match(image or "")
    if not found or found["account"] != account:
        return None
    denied = role_denial(account, region, role_arn, "An image from Amazon ECR")
    if denied:
        return denied
    user = _assumed_role(account, role_arn, task_id)
    if not role_allows(account, region, role_arn, "ecr:GetAuthorizationToken", "*"):
        return (
            "ResourceInitializationError: unable to pull secrets or registry auth: pull command failed: "
            + NOT_AUTHORIZED.format(user=user, action="ecr:GetAuthorizationToken", resource="*")
        )
    repository = f"arn:aws:ecr:{found['region']}:{account}:repository/{found['repository']}"
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
        if not role_allows(account, region, role_arn, action, repository):
            return (
                f"CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref "
                f"{image}: pulling from host {image.split('/')[0]} failed with status code [manifests]: 403 Forbidden"
            )
    return None


def _assumed_role(account, role_arn, task_id):
    return f"arn:aws:sts::{account}:assumed-role/{(role_arn or '').rsplit('/', 1)[-1]}/{task_id}"


def _customer_managed_key(account, region, key_id):
    """The ARN of ``key_id`` when it is a customer managed key (a grant is needed), else None."""
    if not key_id or key_id.startswith("alias/aws/"):
        return None
    from moto.kms.models import kms_backends

    try:
        key = kms_backends[account][region].describe_key(key_id)
    except Exception:  # noqa: BLE001 (no such key: the read itself fails, with its own reason)
        return None
    # moto makes the AWS managed keys (alias/aws/...) as customer keys: their alias tells them apart.
    aws_managed = key.key_manager != "CUSTOMER" or any(a.startswith("alias/aws/") for a in getattr(key, "aliases", ()))
    return None if aws_managed else key.arn
