# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS side of a blue/green service: the two colour services, task definitions and scaling.

A service ``<name>`` is two ECS services, ``<name>-blue`` and ``<name>-green``, each attached to
its own target group. The idle colour gets the new task definition at the live desired count;
after the cut-over the previous colour is scaled to 0 but keeps its task definition, so a
rollback only has to scale it up again. An Application Auto Scaling scalable target
(``ecs:service:DesiredCount``) follows the live colour.

Clients are retrying wrappers (``retries.client(module, service, ...)``); every call passes
``aws_retry=True``. Missing resources raise ``BlueGreenError``; AWS errors propagate.
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import COLORS
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import BlueGreenError
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import DeploymentFailure
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils import traffic
from ansible_collections.mlops.aws_deploy.plugins.module_utils import waiters
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import percent_weights
from ansible_collections.mlops.aws_deploy.plugins.module_utils.traffic import paginate

SCALABLE_DIMENSION = "ecs:service:DesiredCount"

# The fields of DescribeTaskDefinition that RegisterTaskDefinition takes back.
REGISTERABLE = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)


def color_service_names(service):
    return {color: f"{service}-{color}" for color in COLORS}


# The options that name a blue/green service, its listener rule and its target groups, shared by
# ecs_blue_green and ecs_blue_green_info (documented by the doc fragment mlops.aws_deploy.blue_green_service).
SELECTION_MUTUALLY_EXCLUSIVE = [("listener_rule_arn", "listener_arn")]
SELECTION_REQUIRED_TOGETHER = [("listener_arn", "path")]


def selection_argument_spec():
    return dict(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        listener_rule_arn=dict(type="str"),
        listener_arn=dict(type="str"),
        path=dict(type="str"),
        target_groups=dict(type="dict", options=dict(blue=dict(type="str"), green=dict(type="str"))),
    )


def target_group_names(params):
    """{colour: target group name or ARN}: the given ones, else C(<service>-<colour>)."""
    given = params["target_groups"] or {}
    defaults = color_service_names(params["service"])
    return {color: given.get(color) or defaults[color] for color in COLORS}


def describe_selected(clients, params):
    """describe_blue_green() of the service the selection options name."""
    return describe_blue_green(
        clients, params["cluster"], params["service"], target_group_names(params),
        rule_arn=params["listener_rule_arn"], listener_arn=params["listener_arn"], path=params["path"],
    )


def describe_cluster(ecs, cluster):
    clusters = ecs.describe_clusters(aws_retry=True, clusters=[cluster])["clusters"]
    if not clusters or clusters[0].get("status") != "ACTIVE":
        raise BlueGreenError(f"The ECS cluster {cluster} does not exist")
    return clusters[0]


def describe_color_services(ecs, cluster, service):
    """{colour: service summary} for ``<service>-blue`` and ``<service>-green``; both must be ACTIVE."""
    names = color_service_names(service)
    found = ecs.describe_services(aws_retry=True, cluster=cluster, services=[names[c] for c in COLORS])["services"]
    by_name = {s["serviceName"]: s for s in found if s.get("status") == "ACTIVE"}
    missing = [names[c] for c in COLORS if names[c] not in by_name]
    if missing:
        raise BlueGreenError(f"ECS service(s) {', '.join(missing)} not found in cluster {cluster}")
    return {color: summarize_service(by_name[names[color]]) for color in COLORS}


def summarize_service(service):
    return {
        "service_name": service["serviceName"],
        "service_arn": service["serviceArn"],
        "task_definition": service["taskDefinition"],
        "desired_count": service.get("desiredCount", 0),
        "running_count": service.get("runningCount", 0),
        "pending_count": service.get("pendingCount", 0),
        "target_group_arns": [lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")],
    }


def check_service_target_groups(services, target_groups):
    """Each colour's service must feed its own target group (when it declares load balancers)."""
    for color in COLORS:
        attached = services[color]["target_group_arns"]
        if attached and target_groups[color]["arn"] not in attached:
            raise BlueGreenError(
                f"ECS service {services[color]['service_name']} is attached to {', '.join(attached)}, not to the {color} "
                f"target group {target_groups[color]['name']}"
            )


def describe_task_definition(ecs, reference):
    """(task definition, tags) for an ARN or family[:revision]; BlueGreenError when it does not exist."""
    try:
        result = ecs.describe_task_definition(aws_retry=True, taskDefinition=reference, include=["TAGS"])
    except is_boto3_error_code(["ClientException", "InvalidParameterException"]):
        raise BlueGreenError(f"The task definition {reference} does not exist") from None
    return result["taskDefinition"], result.get("tags") or []


def registerable(task_definition, tags=None):
    """RegisterTaskDefinition arguments that reproduce ``task_definition``."""
    params = {k: copy.deepcopy(task_definition[k]) for k in REGISTERABLE if task_definition.get(k) not in (None, [], {})}
    if tags:
        params["tags"] = copy.deepcopy(tags)
    return params


def with_images(params, images):
    """A copy of RegisterTaskDefinition arguments with container images replaced ({container: image})."""
    params = copy.deepcopy(params)
    names = [c["name"] for c in params["containerDefinitions"]]
    unknown = sorted(set(images) - set(names))
    if unknown:
        raise BlueGreenError(
            f"The task definition family {params['family']} has no container named {', '.join(unknown)} (containers: {', '.join(names)})"
        )
    for container in params["containerDefinitions"]:
        if container["name"] in images:
            container["image"] = images[container["name"]]
    return params


def same_content(params, task_definition):
    """True when registering ``params`` would give the same task definition (tags aside)."""
    mine = dict(params)
    mine.pop("tags", None)
    return mine == registerable(task_definition)


def register_task_definition(ecs, params):
    return ecs.register_task_definition(aws_retry=True, **params)["taskDefinition"]


def summarize_task_definition(task_definition):
    """What a reviewer wants in a diff: per-container image, environment, cpu/memory."""
    if not task_definition:
        return {}
    containers = {}
    for container in task_definition.get("containerDefinitions", []):
        summary = {"image": container.get("image")}
        for key, name in (("cpu", "cpu"), ("memory", "memory"), ("memoryReservation", "memory_reservation")):
            if container.get(key):
                summary[name] = container[key]
        summary["environment"] = {e["name"]: e.get("value") for e in container.get("environment", [])}
        if container.get("secrets"):
            summary["secrets"] = sorted(s["name"] for s in container["secrets"])
        containers[container["name"]] = summary
    return {
        "task_definition": task_definition.get("taskDefinitionArn"),
        "cpu": task_definition.get("cpu"),
        "memory": task_definition.get("memory"),
        "containers": containers,
    }


def update_service(ecs, cluster, service_name, task_definition=None, desired_count=None):
    params = {"cluster": cluster, "service": service_name}
    if task_definition is not None:
        params["taskDefinition"] = task_definition
    if desired_count is not None:
        params["desiredCount"] = desired_count
    return ecs.update_service(aws_retry=True, **params)["service"]


def wait_stable(ecs, cluster, service_name, delay, timeout, clock, task_definition=None):
    """Poll (bounded by ``timeout`` seconds) until the service is stable: one deployment, all tasks running.

    The acceptors of botocore's ``services_stable`` waiter, with every poll retried like any call
    and a throttle that outlasts the retries costing only that poll (see ``waiters.poll``). A
    service that is gone or draining fails at once. Returns the poll result; ``observation`` is
    {"deployments", "running", "desired", "rollout_state"} from the last poll.

    With ``task_definition`` (the ARN just deployed) the service must also still run it and its
    PRIMARY deployment be COMPLETED (when ECS reports a rolloutState): a deployment ECS marked
    FAILED or rolled back (``rollout_failure``) fails at once with ECS's reason.
    """
    seen = {}

    def probe():
        response = ecs.describe_services(aws_retry=True, cluster=cluster, services=[service_name])
        found = [s for s in response.get("services", []) if s.get("status") == "ACTIVE"]
        if not found:
            raise DeploymentFailure(f"ECS service {service_name} is missing or no longer ACTIVE")
        service = found[0]
        failure = rollout_failure(service, task_definition, seen) if task_definition else None
        if failure:
            raise DeploymentFailure(failure["reason"], {"deployment": failure})
        observation = {
            "deployments": len(service.get("deployments", [])),
            "running": service.get("runningCount", 0),
            "desired": service.get("desiredCount", 0),
            "rollout_state": (primary_deployment(service) or {}).get("rolloutState"),
        }
        if task_definition and observation["rollout_state"] not in (None, ROLLOUT_COMPLETED):
            return False, observation
        return observation["deployments"] == 1 and observation["running"] == observation["desired"], observation

    return waiters.poll(clock, timeout, delay, probe, retries.extra_codes("ecs"))


def describe_stability(result):
    observation = result["observation"]
    if observation is None:
        return "no answer from ECS"
    text = (f"{observation['deployments']} deployment(s), {observation['running']} of {observation['desired']} "
            "task(s) running")
    if observation.get("rollout_state") not in (None, ROLLOUT_COMPLETED):
        text += f", rollout {observation['rollout_state']}"
    return text


# The rolling update (ECS) controller's deployments (AWS API reference, Deployment): rolloutState is
# IN_PROGRESS, COMPLETED (the service reached a steady state) or FAILED (the deployment circuit
# breaker stopped it); with the breaker's rollback ECS then starts a deployment of the last COMPLETED
# one, and the service's taskDefinition is that older revision again.
ROLLOUT_COMPLETED = "COMPLETED"
ROLLOUT_FAILED = "FAILED"
EVENTS_SHOWN = 5


def primary_deployment(service):
    for deployment in service.get("deployments", []):
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def rollout_failure(service, task_definition, seen=None):
    """Why ECS gave up deploying ``task_definition`` (an ARN) to ``service``, or None while it may succeed.

    A failure is a deployment of ``task_definition`` in rolloutState FAILED, or a service that runs
    another task definition (the circuit breaker rolled it back, or someone else deployed). Returns
    {"reason", "task_definition" (what the service runs), "rollout_state", "rollout_state_reason",
    "events"}: the reason quotes ECS's rolloutStateReason and its service events since the
    deployment began (``seen`` keeps that start across polls), at most the last EVENTS_SHOWN.
    """
    seen = {} if seen is None else seen
    name = service.get("serviceName")
    ours = [d for d in service.get("deployments", []) if d.get("taskDefinition") == task_definition]
    for deployment in ours:
        if deployment.get("createdAt") and "since" not in seen:
            seen["since"] = deployment["createdAt"]
    failed = [d for d in ours if d.get("rolloutState") == ROLLOUT_FAILED]
    running = service.get("taskDefinition")
    if not failed and running == task_definition:
        return None
    about = failed[0] if failed else primary_deployment(service) or {}
    events = _events_since(service, seen.get("since"))
    if running != task_definition:
        reason = f"ECS rolled {name} back from {_short_arn(task_definition)} to {_short_arn(running)}"
    else:
        reason = f"ECS marked the deployment of {_short_arn(task_definition)} to {name} FAILED"
    if failed and about.get("rolloutStateReason"):
        reason += f" ({about['rolloutStateReason']})"
    elif about.get("rolloutStateReason"):
        reason += f"; its deployment now: {about['rolloutStateReason']}"
    if events:
        reason += f"; ECS service events: {' | '.join(e['message'] for e in events)}"
    return {
        "reason": reason,
        "task_definition": running,
        "rollout_state": about.get("rolloutState"),
        "rollout_state_reason": about.get("rolloutStateReason"),
        "events": [{"created_at": str(e.get("createdAt")), "message": e["message"]} for e in events],
    }


def _events_since(service, since):
    """The service's events (newest first in DescribeServices) from ``since`` on, oldest first."""
    events = [e for e in service.get("events", []) if e.get("message")]
    if since is not None:
        events = [e for e in events if e.get("createdAt") is None or e["createdAt"] >= since]
    return list(reversed(events[:EVENTS_SHOWN]))


def _short_arn(arn):
    return arn.rsplit("/", 1)[-1] if arn else arn


# Application Auto Scaling: the scalable target follows the live colour.


def resource_id(cluster_name, service_name):
    return f"service/{cluster_name}/{service_name}"


def describe_scaling(aas, cluster_name, services):
    """{colour: {"resource_id", "target": scalable target or None, "policies": [...]}}."""
    ids = {color: resource_id(cluster_name, services[color]["service_name"]) for color in COLORS}
    targets = paginate(
        aas, "describe_scalable_targets", ServiceNamespace="ecs", ResourceIds=list(ids.values()), ScalableDimension=SCALABLE_DIMENSION
    )["ScalableTargets"]
    by_id = {t["ResourceId"]: t for t in targets}
    scaling = {}
    for color in COLORS:
        target = by_id.get(ids[color])
        policies = []
        if target:
            policies = paginate(
                aas, "describe_scaling_policies", ServiceNamespace="ecs", ResourceId=ids[color], ScalableDimension=SCALABLE_DIMENSION
            )["ScalingPolicies"]
        scaling[color] = {"resource_id": ids[color], "target": target, "policies": policies}
    return scaling


def _target_group_label(arn):
    # arn:aws:elasticloadbalancing:region:account:targetgroup/name/id -> targetgroup/name/id
    return arn.split(":", 5)[5]


def move_scaling(aas, scaling, source, dest, target_groups):
    """Register ``dest`` with ``source``'s min/max and policies, then deregister ``source``.

    Target tracking on ALBRequestCountPerTarget names the target group in its ResourceLabel: the
    copy names the destination colour's target group. Returns warnings for the caller.
    """
    warnings = []
    target = scaling[source]["target"]
    dest_id = scaling[dest]["resource_id"]
    params = {
        "ServiceNamespace": "ecs",
        "ResourceId": dest_id,
        "ScalableDimension": SCALABLE_DIMENSION,
        "MinCapacity": target["MinCapacity"],
        "MaxCapacity": target["MaxCapacity"],
    }
    if target.get("SuspendedState"):
        params["SuspendedState"] = target["SuspendedState"]
    aas.register_scalable_target(aws_retry=True, **params)
    old_label = _target_group_label(target_groups[source]["arn"])
    new_label = _target_group_label(target_groups[dest]["arn"])
    for policy in scaling[source]["policies"]:
        put = {
            "PolicyName": policy["PolicyName"],
            "ServiceNamespace": "ecs",
            "ResourceId": dest_id,
            "ScalableDimension": SCALABLE_DIMENSION,
            "PolicyType": policy["PolicyType"],
        }
        if policy.get("TargetTrackingScalingPolicyConfiguration"):
            config = copy.deepcopy(policy["TargetTrackingScalingPolicyConfiguration"])
            predefined = config.get("PredefinedMetricSpecification") or {}
            if predefined.get("ResourceLabel"):
                predefined["ResourceLabel"] = predefined["ResourceLabel"].replace(old_label, new_label)
            put["TargetTrackingScalingPolicyConfiguration"] = config
        if policy.get("StepScalingPolicyConfiguration"):
            put["StepScalingPolicyConfiguration"] = copy.deepcopy(policy["StepScalingPolicyConfiguration"])
            warnings.append(
                f"Step scaling policy {policy['PolicyName']} was copied to {dest_id}: point its CloudWatch alarms at the new policy ARN"
            )
        if policy.get("PredictiveScalingPolicyConfiguration"):
            put["PredictiveScalingPolicyConfiguration"] = copy.deepcopy(policy["PredictiveScalingPolicyConfiguration"])
        aas.put_scaling_policy(aws_retry=True, **put)
    aas.deregister_scalable_target(
        aws_retry=True, ServiceNamespace="ecs", ResourceId=scaling[source]["resource_id"], ScalableDimension=SCALABLE_DIMENSION
    )
    return warnings


def describe_blue_green(clients, cluster, service, target_groups, rule_arn=None, listener_arn=None, path=None):
    """The whole current state of a blue/green service, read only.

    ``clients``: {"ecs", "elbv2", "application-autoscaling"} retrying clients. ``target_groups``:
    {colour: name or ARN}. Returns cluster, services, target groups, the rule, weights (ALB and
    percent), the colour recorded as previous, the progress and lock records (``rollout_record``),
    task definitions and scaling of both colours.
    """
    ecs, elbv2 = clients["ecs"], clients["elbv2"]
    cluster_info = describe_cluster(ecs, cluster)
    services = describe_color_services(ecs, cluster, service)
    groups = traffic.resolve_target_groups(elbv2, target_groups)
    check_service_target_groups(services, groups)
    rule = traffic.find_rule(elbv2, groups, rule_arn=rule_arn, listener_arn=listener_arn, path=path)
    raw_weights = traffic.rule_weights(rule, groups)
    tags = traffic.rule_tags(elbv2, rule["RuleArn"])
    task_definitions, tags_of, described = {}, {}, {}
    for color in COLORS:
        reference = services[color]["task_definition"]
        if reference not in described:
            described[reference] = describe_task_definition(ecs, reference)
        task_definitions[color], tags_of[color] = described[reference]
        # A service may name its task definition as family:revision; compare by ARN from here on.
        services[color]["task_definition"] = task_definitions[color]["taskDefinitionArn"]
    scaling = describe_scaling(clients["application-autoscaling"], cluster_info["clusterName"], services)
    for color in COLORS:
        services[color]["autoscaling"] = bool(scaling[color]["target"])
    return {
        "cluster": cluster_info,
        "services": services,
        "target_groups": groups,
        "rule": rule,
        "raw_weights": raw_weights,
        "weights": percent_weights(raw_weights),
        "previous_color": tags.get(traffic.PREVIOUS_COLOR_TAG) if tags.get(traffic.PREVIOUS_COLOR_TAG) in COLORS else None,
        "progress": rollout_record.parse_progress(tags),
        "lock": rollout_record.parse_lock(tags),
        "scale_down": rollout_record.parse_scale_down(tags),
        "task_definitions": task_definitions,
        "task_definition_tags": tags_of,
        "scaling": scaling,
    }
