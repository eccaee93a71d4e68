# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling: reading scalable targets of any namespace, and for SageMaker endpoint
variants the read, plan and apply that sagemaker_endpoint uses.

A variant's instance count scales between `min_capacity` and `max_capacity` with one target
tracking policy on SageMakerVariantInvocationsPerInstance. The plan is plain data: steps that
register or deregister a scalable target and put a scaling policy.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries

from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries

NAMESPACE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRIC = "SageMakerVariantInvocationsPerInstance"
# Paginated reads retry as the clients' aws_retry=True calls do.
RETRY = retries.retry_decorator("application-autoscaling")


# Application Auto Scaling's service namespaces (the modules' service_namespace choices).
SERVICE_NAMESPACES = (
    "ecs", "elasticmapreduce", "ec2", "appstream", "dynamodb", "rds", "sagemaker", "custom-resource",
    "comprehend", "lambda", "cassandra", "kafka", "elasticache", "neptune", "workspaces",
)
# DescribeScalableTargets takes at most 50 resource ids.
MAX_RESOURCE_IDS_PER_CALL = 50


def read_targets(client, namespace, resource_ids, dimension):
    query = {"ServiceNamespace": namespace}
    if dimension:
        query["ScalableDimension"] = dimension
    if not resource_ids:
        return paginated_query_with_retries(client, "describe_scalable_targets", RETRY, **query)[
            "ScalableTargets"
        ]
    targets = []
    for start in range(0, len(resource_ids), MAX_RESOURCE_IDS_PER_CALL):
        batch = resource_ids[start : start + MAX_RESOURCE_IDS_PER_CALL]
        targets += paginated_query_with_retries(
            client, "describe_scalable_targets", RETRY, ResourceIds=batch, **query
        )["ScalableTargets"]
    return targets


def resource_id(endpoint_name, variant_name):
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def policy_name(endpoint_name, variant_name):
    return f"{endpoint_name}-{variant_name}-invocations"


def desired_scaling(endpoint_name, variant_specs):
    """{variant: settings} for every variant that asks for autoscaling."""
    desired = {}
    for name, variant in variant_specs.items():
        scaling = variant.get("autoscaling")
        if not scaling:
            continue
        desired[name] = {
            "min_capacity": scaling["min_capacity"],
            "max_capacity": scaling["max_capacity"],
            "policy_name": policy_name(endpoint_name, name),
            "target_value": float(scaling["target_invocations_per_instance"]),
            "scale_in_cooldown": scaling["scale_in_cooldown"],
            "scale_out_cooldown": scaling["scale_out_cooldown"],
        }
    return desired


def read_scaling(client, endpoint_name):
    """{variant: settings} of the scalable targets registered for this endpoint's variants."""
    prefix = f"endpoint/{endpoint_name}/variant/"
    targets = paginated_query_with_retries(
        client, "describe_scalable_targets", RETRY, ServiceNamespace=NAMESPACE
    )["ScalableTargets"]
    current = {}
    for target in targets:
        if not target["ResourceId"].startswith(prefix) or target["ScalableDimension"] != DIMENSION:
            continue
        variant = target["ResourceId"][len(prefix):]
        policies = paginated_query_with_retries(
            client,
            "describe_scaling_policies",
            RETRY,
            ServiceNamespace=NAMESPACE,
            ResourceId=target["ResourceId"],
            ScalableDimension=DIMENSION,
        )["ScalingPolicies"]
        entry = {"min_capacity": target["MinCapacity"], "max_capacity": target["MaxCapacity"], "policies": []}
        for policy in policies:
            config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
            entry["policies"].append(
                {
                    "policy_name": policy["PolicyName"],
                    "target_value": config.get("TargetValue"),
                    "metric": (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType"),
                    "scale_in_cooldown": config.get("ScaleInCooldown"),
                    "scale_out_cooldown": config.get("ScaleOutCooldown"),
                }
            )
        current[variant] = entry
    return current


def _policy_matches(current, desired):
    for policy in current.get("policies", []):
        if (
            policy["policy_name"] == desired["policy_name"]
            and policy["metric"] == METRIC
            and policy["target_value"] is not None
            and abs(policy["target_value"] - desired["target_value"]) < 1e-9
            and policy["scale_in_cooldown"] == desired["scale_in_cooldown"]
            and policy["scale_out_cooldown"] == desired["scale_out_cooldown"]
        ):
            return True
    return False


def plan_deregister(current, variants):
    """Steps that remove the scalable targets of these variants (those that have one)."""
    return [{"action": "deregister_scalable_target", "variant": name} for name in sorted(variants) if name in current]


def plan_scaling(current, desired, deregistered=()):
    """Steps that make the registered targets and policies match `desired`.

    `deregistered` are variants whose targets earlier steps remove (SageMaker refuses to change
    the instance type of, or remove, a variant that is a scaling target): they count as absent.
    """
    current = {name: entry for name, entry in current.items() if name not in deregistered}
    steps = []
    for name in sorted(desired):
        want = desired[name]
        have = current.get(name)
        if have is None or (have["min_capacity"], have["max_capacity"]) != (want["min_capacity"], want["max_capacity"]):
            steps.append(
                {
                    "action": "register_scalable_target",
                    "variant": name,
                    "min_capacity": want["min_capacity"],
                    "max_capacity": want["max_capacity"],
                }
            )
        if have is None or not _policy_matches(have, want):
            steps.append(
                {
                    "action": "put_scaling_policy",
                    "variant": name,
                    "policy_name": want["policy_name"],
                    "target_invocations_per_instance": want["target_value"],
                    "scale_in_cooldown": want["scale_in_cooldown"],
                    "scale_out_cooldown": want["scale_out_cooldown"],
                }
            )
    steps.extend(plan_deregister(current, set(current) - set(desired)))
    return steps


def apply_step(client, endpoint_name, step):
    resource = resource_id(endpoint_name, step["variant"])
    if step["action"] == "register_scalable_target":
        client.register_scalable_target(
            ServiceNamespace=NAMESPACE,
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            MinCapacity=step["min_capacity"],
            MaxCapacity=step["max_capacity"],
            aws_retry=True,
        )
    elif step["action"] == "put_scaling_policy":
        client.put_scaling_policy(
            PolicyName=step["policy_name"],
            ServiceNamespace=NAMESPACE,
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": step["target_invocations_per_instance"],
                "PredefinedMetricSpecification": {"PredefinedMetricType": METRIC},
                "ScaleInCooldown": step["scale_in_cooldown"],
                "ScaleOutCooldown": step["scale_out_cooldown"],
            },
            aws_retry=True,
        )
    elif step["action"] == "deregister_scalable_target":
        # Deregistering a target also deletes its scaling policies.
        client.deregister_scalable_target(
            ServiceNamespace=NAMESPACE, ResourceId=resource, ScalableDimension=DIMENSION, aws_retry=True
        )
    else:
        raise ValueError(f"not an autoscaling step: {step['action']}")


def restore_steps(snapshot, variants):
    """Steps that put back what `snapshot` (read before the update) had for these variants."""
    steps = []
    for name in sorted(variants):
        entry = snapshot.get(name)
        if entry is None:
            continue
        steps.append(
            {
                "action": "register_scalable_target",
                "variant": name,
                "min_capacity": entry["min_capacity"],
                "max_capacity": entry["max_capacity"],
            }
        )
        for policy in entry["policies"]:
            if policy["metric"] != METRIC or policy["target_value"] is None:
                continue
            steps.append(
                {
                    "action": "put_scaling_policy",
                    "variant": name,
                    "policy_name": policy["policy_name"],
                    "target_invocations_per_instance": policy["target_value"],
                    "scale_in_cooldown": policy["scale_in_cooldown"],
                    "scale_out_cooldown": policy["scale_out_cooldown"],
                }
            )
    return steps


def is_step(step):
    return step["action"] in ("register_scalable_target", "put_scaling_policy", "deregister_scalable_target")


def scaling_view(settings):
    """The autoscaling part of --diff: {variant: {min, max, target, cooldowns}}."""
    view = {}
    for name, entry in sorted(settings.items()):
        if "policies" in entry:  # read from AWS
            policy = next((p for p in entry["policies"] if p["metric"] == METRIC), {})
            view[name] = {
                "min_capacity": entry["min_capacity"],
                "max_capacity": entry["max_capacity"],
                "target_invocations_per_instance": policy.get("target_value"),
                "scale_in_cooldown": policy.get("scale_in_cooldown"),
                "scale_out_cooldown": policy.get("scale_out_cooldown"),
            }
        else:
            view[name] = {
                "min_capacity": entry["min_capacity"],
                "max_capacity": entry["max_capacity"],
                "target_invocations_per_instance": entry["target_value"],
                "scale_in_cooldown": entry["scale_in_cooldown"],
                "scale_out_cooldown": entry["scale_out_cooldown"],
            }
    return view
