"""What ECS hands a task's container: its environment, its secrets, its task role's credentials.

- ``environment`` of the container definition as written;
- ``secrets``: each ``valueFrom`` read as ECS reads it with the task execution role: an SSM
  parameter (name or ARN, decrypted) or a Secrets Manager secret (ARN, optionally
  ``:json-key:version-stage:version-id``); one that cannot be read fails the task as ECS does
  (``ResourceInitializationError: unable to pull secrets or registry auth``);
- the task role's credentials from STS, when the role trusts ``ecs-tasks.amazonaws.com`` (ECS
  cannot assume it otherwise), and the region;
- what the offline machine needs in place of AWS's network: ``AWS_ENDPOINT_URL`` (the offline AWS),
  ``HOST``/``PORT`` (the task's own loopback address and its container port: host networking
  stands in for the task's network interface), and a load balancer's DNS name in a value replaced
  by its local address (its DNS name resolves nowhere here).
"""

import json
import re

ECS_TASKS = "ecs-tasks.amazonaws.com"


class TaskStartError(Exception):
    """Why ECS could not start the task, in ECS's words (the task's stoppedReason)."""


def read_secret(account, region, value_from):
    if ":secretsmanager:" in value_from:
        from moto.secretsmanager.models import secretsmanager_backends

        # arn:aws:secretsmanager:region:acct:secret:name-suffix[:json-key:version-stage:version-id]
        parts = value_from.split(":")
        arn, extra = ":".join(parts[:7]), parts[7:] + ["", "", ""]
        json_key, stage, version = extra[0], extra[1] or None, extra[2] or None
        secret = secretsmanager_backends[account][region].get_secret_value(arn, version, stage)
        value = secret.get("SecretString") or ""
        return str(json.loads(value)[json_key]) if json_key else value
    from moto.ssm.models import ssm_backends

    name = re.sub(r"^arn:[^:]+:ssm:[^:]*:[^:]*:parameter", "", value_from)
    parameter = ssm_backends[account][region].get_parameter(name)
    if parameter is None:
        raise KeyError(name)
    return parameter.decrypt(parameter.value)


def secrets(account, region, container):
    found = {}
    for secret in container.get("secrets") or []:
        try:
            found[secret["name"]] = read_secret(account, region, secret["valueFrom"])
        except Exception as e:  # noqa: BLE001 (any failure is ECS's one message)
            raise TaskStartError(
                "ResourceInitializationError: unable to pull secrets or registry auth: "
                f"retrieving secret from {secret['valueFrom']}: {type(e).__name__}: {e}"
            ) from None
    return found


def trusts_ecs_tasks(role):
    from offline_aws.extensions.sts_assume_role_as_service import trusts_service

    return trusts_service(json.loads(role.assume_role_policy_document), ECS_TASKS)


def task_role_credentials(account, region, role_arn, task_id):
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    try:
        role = iam_backends[account]["global"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001
        raise TaskStartError(f"ECS was unable to assume the role '{role_arn}': the role does not exist") from None
    if not trusts_ecs_tasks(role):
        raise TaskStartError(
            f"ECS was unable to assume the role '{role_arn}' that was provided for this task. Please verify "
            f"that the role being passed has the proper trust relationship and permissions"
        )
    assumed = sts_backends[account]["global"].assume_role(
        region_name=region, role_session_name=task_id, role_arn=role_arn, policy=None, duration=43200, external_id=None
    )
    return {
        "AWS_ACCESS_KEY_ID": assumed.access_key_id,
        "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
        "AWS_SESSION_TOKEN": assumed.session_token,
    }


def translate(value, addresses):
    """``value`` with each load balancer DNS name (optionally with :port) replaced by its address."""
    for (dns_name, port), address in addresses.items():
        # http://name/... is port 80; http://name:8080/... names its port.
        optional = "?" if port == 80 else ""
        named = rf"//{re.escape(dns_name)}(:{port}){optional}(?=[/?#]|$)"
        value = re.sub(named, f"//{address}", value)
    return value


def environment(account, region, task_definition, container, task_id, host, endpoint, addresses):
    env = {item["name"]: item["value"] for item in container.get("environment") or []}
    env.update(secrets(account, region, container))
    env = {name: translate(str(value), addresses) for name, value in env.items()}
    role = getattr(task_definition, "task_role_arn", None)  # moto sets it only when given
    if role:
        env.update(task_role_credentials(account, region, role, task_id))
    ports = container.get("portMappings") or [{}]
    env.update(AWS_REGION=region, AWS_DEFAULT_REGION=region, AWS_ENDPOINT_URL=endpoint, HOST=host)
    if ports[0].get("containerPort"):
        env["PORT"] = str(ports[0]["containerPort"])
    return env
