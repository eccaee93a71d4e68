# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SageMaker endpoints for mlops.aws_deploy's modules: read the current state, plan, wait.

`read_current()` gathers what exists (endpoint, its live and superseded configurations, models,
tags); `plan_present()` / `plan_absent()` turn desired + current into an ordered list of plain
steps, which is what check mode returns and what the module then applies step by step.
Nothing here sleeps: waiting is done by botocore waiters built from `wait_timeout`.
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import _camel_to_snake

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory
from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config

from ansible_collections.mlops.aws_deploy.plugins.module_utils import autoscaling
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import config_name_pattern
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import SageMakerErrorHandler

# Paginated reads retry as the clients' aws_retry=True calls do.
RETRY = retries.retry_decorator("sagemaker")
IN_PROGRESS = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")
WAITER_PAUSE = 15
# Keys that hold user data (environment variables, tags): keep them as they are in results.
SNAKE_IGNORE = ["Environment", "Tags"]


def snake(data):
    """camel_dict_to_snake_dict at every depth, leaving user data (environment, tags) as it is.

    amazon.aws's helper honours its ignore list at the top level only, so a model's
    PrimaryContainer.Environment would come back as {"model_version": ...}.
    """
    if isinstance(data, dict):
        return {
            _camel_to_snake(key): (value if key in SNAKE_IGNORE else snake(value)) for key, value in data.items()
        }
    if isinstance(data, list):
        return [snake(item) for item in data]
    return data


def _drop_metadata(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class SageMakerWaiterFactory(BaseWaiterFactory):
    """Endpoint waiters; statuses per DescribeEndpoint's EndpointStatus."""

    @property
    def _waiter_model_data(self):
        throttled = {"matcher": "error", "expected": "ThrottlingException", "state": "retry"}
        return {
            "endpoint_in_service": {
                "operation": "DescribeEndpoint",
                "delay": WAITER_PAUSE,
                "maxAttempts": 240,
                "acceptors": [
                    {"matcher": "path", "argument": "EndpointStatus", "expected": "InService", "state": "success"},
                    {"matcher": "path", "argument": "EndpointStatus", "expected": "Failed", "state": "failure"},
                    {"matcher": "path", "argument": "EndpointStatus", "expected": "UpdateRollbackFailed",
                     "state": "failure"},
                    {"matcher": "path", "argument": "EndpointStatus", "expected": "OutOfService", "state": "failure"},
                    {"matcher": "error", "expected": "ValidationException", "state": "failure"},
                    throttled,
                ],
            },
            "endpoint_deleted": {
                "operation": "DescribeEndpoint",
                "delay": WAITER_PAUSE,
                "maxAttempts": 240,
                "acceptors": [
                    {"matcher": "error", "expected": "ValidationException", "state": "success"},
                    throttled,
                ],
            },
        }


WAITERS = SageMakerWaiterFactory()


def wait_for_endpoint(client, endpoint_name, waiter_name, timeout):
    """Wait with a botocore waiter; raises botocore.exceptions.WaiterError on failure or timeout."""
    WAITERS.get_waiter(retries.bare_client(client), waiter_name).wait(
        EndpointName=endpoint_name, WaiterConfig=custom_waiter_config(timeout=timeout, default_pause=WAITER_PAUSE)
    )


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


@SageMakerErrorHandler.list_error_handler("describe SageMaker endpoint {name}")
def describe_endpoint(client, name):
    return _drop_metadata(client.describe_endpoint(EndpointName=name, aws_retry=True))


@SageMakerErrorHandler.list_error_handler("describe SageMaker endpoint configuration {name}")
def describe_endpoint_config(client, name):
    return _drop_metadata(client.describe_endpoint_config(EndpointConfigName=name, aws_retry=True))


@SageMakerErrorHandler.list_error_handler("describe SageMaker model {name}")
def describe_model(client, name):
    return _drop_metadata(client.describe_model(ModelName=name, aws_retry=True))


# Tags of any SageMaker resource (endpoints, model package groups, model packages).


@SageMakerErrorHandler.common_error_handler("list the tags of {arn}")
def get_tags(client, arn):
    tags = paginated_query_with_retries(client, "list_tags", RETRY, ResourceArn=arn)["Tags"]
    return boto3_tag_list_to_ansible_dict(tags)


def tag_plan(current, desired, purge):
    """``{"add": {...}, "remove": [...]}`` to go from current to desired (None = leave alone)."""
    if desired is None:
        return {"add": {}, "remove": []}
    to_add, to_remove = compare_aws_tags(current, desired, purge)
    return {"add": to_add, "remove": sorted(to_remove)}


@SageMakerErrorHandler.common_error_handler("tag {arn}")
def apply_tags(client, arn, plan):
    if plan["remove"]:
        client.delete_tags(ResourceArn=arn, TagKeys=plan["remove"], aws_retry=True)
    if plan["add"]:
        client.add_tags(ResourceArn=arn, Tags=ansible_dict_to_boto3_tag_list(plan["add"]), aws_retry=True)


def list_endpoints(client, name_contains=None, status=None):
    params = {}
    if name_contains:
        params["NameContains"] = name_contains
    if status:
        params["StatusEquals"] = status
    return paginated_query_with_retries(client, "list_endpoints", RETRY, **params)["Endpoints"]


def list_own_configs(client, endpoint_name):
    """The configurations this module made for the endpoint (`<name>-<hash>`), oldest first."""
    pattern = config_name_pattern(endpoint_name)
    summaries = paginated_query_with_retries(
        client, "list_endpoint_configs", RETRY, NameContains=endpoint_name[:54].rstrip("-")
    )["EndpointConfigs"]
    own = [s for s in summaries if pattern.match(s["EndpointConfigName"])]
    return sorted(own, key=lambda s: (s["CreationTime"], s["EndpointConfigName"]))


def config_models(config):
    return {variant["ModelName"] for variant in (config or {}).get("ProductionVariants", [])}


def live_weights(endpoint):
    weights = {}
    for variant in (endpoint or {}).get("ProductionVariants", []):
        weight = variant.get("DesiredWeight", variant.get("CurrentWeight"))
        if weight is not None:
            weights[variant["VariantName"]] = float(weight)
    return weights


def read_current(client, scaling_client, name, desired=None):
    """Everything the plan needs to know about what exists, as plain data."""
    endpoint = describe_endpoint(client, name)
    current = {
        "endpoint": endpoint,
        "tags": get_tags(client, endpoint["EndpointArn"]) if endpoint else {},
        "live_config": None,
        "configs": [],
        "models": {},
        "scaling": autoscaling.read_scaling(scaling_client, name) if endpoint else {},
    }
    live_name = endpoint.get("EndpointConfigName") if endpoint else None
    if live_name:
        current["live_config"] = describe_endpoint_config(client, live_name)
    for summary in list_own_configs(client, name):
        if summary["EndpointConfigName"] == live_name:
            described = current["live_config"]
        else:
            described = describe_endpoint_config(client, summary["EndpointConfigName"])
        if described is not None:
            current["configs"].append(described)
    # Models that matter: the desired ones and those of every configuration seen.
    wanted = set(desired.model_names) if desired else set()
    for config in current["configs"] + ([current["live_config"]] if current["live_config"] else []):
        wanted |= config_models(config)
    for model_name in sorted(wanted):
        current["models"][model_name] = describe_model(client, model_name)
    return current


# ---------------------------------------------------------------------------------------------
# Plans: ordered lists of plain steps.
# ---------------------------------------------------------------------------------------------


def _weight_changes(desired_weights, live):
    changes = {}
    for variant, weight in desired_weights.items():
        if variant not in live or abs(live[variant] - weight) > 1e-9:
            changes[variant] = {"from": live.get(variant), "to": weight}
    return changes


def _cleanup_steps(current, keep_names, retain):
    """Delete superseded configurations (beyond the `retain` newest) and the models only they use."""
    own = [c for c in current["configs"] if c["EndpointConfigName"] not in keep_names]
    own.sort(key=lambda c: (c.get("CreationTime"), c["EndpointConfigName"]), reverse=True)
    kept, deleted = own[:retain], own[retain:]
    protected_models = set()
    for config in kept:
        protected_models |= config_models(config)
    steps = [{"action": "delete_endpoint_config", "endpoint_config_name": c["EndpointConfigName"]} for c in deleted]
    return steps, kept, deleted, protected_models


def retain_instance_counts(variant_specs, endpoint, scaled_variants):
    """Whether an update keeps the live instance counts instead of the new config's initial ones.

    Without RetainAllVariantProperties, UpdateEndpoint provisions the new fleet at each variant's
    InitialInstanceCount: an endpoint that autoscaling took from 2 to 8 instances would drop back
    to 2 in the middle of its load. Retention is endpoint-wide in SageMaker, so it is used when a
    variant that autoscaling manages stays (same name, same instance type) and no variant without
    autoscaling asks for another count than it runs now. Weights and data capture always come
    from the new config (they are excluded from the retention, see RETAIN_EXCLUDED).
    """
    kept_scaled = scaled_variants & set(variant_specs)
    if not kept_scaled:
        return False
    live_counts = {v["VariantName"]: v.get("DesiredInstanceCount") for v in endpoint.get("ProductionVariants") or []}
    for name, spec in variant_specs.items():
        if name in kept_scaled or name not in live_counts or spec.get("serverless"):
            continue
        if (spec.get("initial_instance_count") or 1) != live_counts[name]:
            return False
    return True


# The variant properties an update with retained instance counts still takes from the new config.
RETAIN_EXCLUDED = ("DesiredWeight", "DataCaptureConfig")


def update_endpoint_retention(step):
    """UpdateEndpoint's retention parameters for an update_endpoint step of the plan."""
    if not step.get("retain_instance_counts"):
        return {}
    return {
        "RetainAllVariantProperties": True,
        "ExcludeRetainedVariantProperties": [{"VariantPropertyType": name} for name in RETAIN_EXCLUDED],
    }


def plan_present(desired, current, retain_configs, tags=None, purge_tags=True, wait=True):
    steps = []
    endpoint = current["endpoint"]
    for logical, entry in desired.models.items():
        if current["models"].get(entry["name"]) is None:
            steps.append({"action": "create_model", "model_name": entry["name"], "model": logical})
    if not any(c["EndpointConfigName"] == desired.config_name for c in current["configs"]):
        steps.append({"action": "create_endpoint_config", "endpoint_config_name": desired.config_name})

    live_name = endpoint.get("EndpointConfigName") if endpoint else None
    live_types = {
        v["VariantName"]: v.get("InstanceType") for v in (current["live_config"] or {}).get("ProductionVariants", [])
    }
    desired_types = desired.instance_types()
    scaling_desired = autoscaling.desired_scaling(desired.name, desired.variant_specs)
    deregister_first = set()
    endpoint_steps = []
    if endpoint is None:
        endpoint_steps.append(
            {"action": "create_endpoint", "endpoint_name": desired.name, "endpoint_config_name": desired.config_name}
        )
    elif endpoint["EndpointStatus"] == "Failed":
        deregister_first = set(current["scaling"])
        endpoint_steps.append(
            {
                "action": "delete_endpoint",
                "endpoint_name": desired.name,
                "reason": f"endpoint is Failed ({endpoint.get('FailureReason', 'no reason given')}); it is recreated",
            }
        )
        endpoint_steps.append(
            {"action": "create_endpoint", "endpoint_name": desired.name, "endpoint_config_name": desired.config_name}
        )
    elif live_name != desired.config_name:
        # SageMaker refuses to remove, or change the instance type of, a variant that is a scaling target.
        deregister_first = {
            name for name in current["scaling"] if name not in desired_types or desired_types[name] != live_types.get(name)
        }
        endpoint_steps.append(
            {
                "action": "update_endpoint",
                "endpoint_name": desired.name,
                "from_endpoint_config_name": live_name,
                "endpoint_config_name": desired.config_name,
                "deployment": desired.deployment_summary,
                "retain_instance_counts": retain_instance_counts(
                    desired.variant_specs, endpoint, set(current["scaling"]) - deregister_first
                ),
            }
        )
    else:
        changes = _weight_changes(desired.weights, live_weights(endpoint))
        if changes:
            endpoint_steps.append({"action": "update_weights", "endpoint_name": desired.name, "weights": changes})

    steps.extend(autoscaling.plan_deregister(current["scaling"], deregister_first))
    steps.extend(endpoint_steps)
    deferred = []
    after = autoscaling.plan_scaling(current["scaling"], scaling_desired, deregister_first)
    if endpoint is not None and endpoint["EndpointStatus"] != "Failed" and tags is not None:
        add, remove = compare_aws_tags(current["tags"], tags, purge_tags)
        if add or remove:
            after.append({"action": "tag_endpoint", "endpoint_name": desired.name, "add": add, "remove": remove})
    cleanup, unused_kept, deleted, protected = _cleanup_steps(current, {desired.config_name}, retain_configs)
    protected |= desired.model_names
    if live_name and live_name != desired.config_name and not any(c["EndpointConfigName"] == live_name
                                                                  for c in current["configs"]):
        protected |= config_models(current["live_config"])  # a live configuration that is not ours
    doomed = set()
    for config in deleted:
        doomed |= config_models(config)
    for model_name in sorted(doomed - protected):
        if current["models"].get(model_name) is not None:
            cleanup.append({"action": "delete_model", "model_name": model_name})
    if endpoint_steps and not wait:
        # Without waiting, the endpoint is not InService yet: scaling targets cannot be
        # registered and superseded configurations must stay until the switch has succeeded.
        deferred = [s for s in after if autoscaling.is_step(s)] + cleanup
        after = [s for s in after if not autoscaling.is_step(s)]
        cleanup = []
    steps.extend(after)
    steps.extend(cleanup)
    return steps, deferred


def plan_absent(current):
    steps = []
    endpoint = current["endpoint"]
    if endpoint is not None:
        steps.extend(autoscaling.plan_deregister(current["scaling"], set(current["scaling"])))
        steps.append({"action": "delete_endpoint", "endpoint_name": endpoint["EndpointName"]})
    models = set()
    for config in current["configs"]:
        steps.append({"action": "delete_endpoint_config", "endpoint_config_name": config["EndpointConfigName"]})
        models |= config_models(config)
    for model_name in sorted(models):
        if current["models"].get(model_name) is not None:
            steps.append({"action": "delete_model", "model_name": model_name})
    return steps


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def endpoint_result(endpoint, tags, config):
    """DescribeEndpoint as snake_case, with tags as a dict and a merged per-variant view."""
    if endpoint is None:
        return {}
    result = snake(endpoint)
    result["tags"] = tags or {}
    result["variants"] = variants_view(endpoint, config)
    return result


def variants_view(endpoint, config):
    """Each variant with its configuration (model, size) and its live weight, count and status."""
    configured = {v["VariantName"]: v for v in (config or {}).get("ProductionVariants", [])}
    view = []
    for live in endpoint.get("ProductionVariants", []):
        spec = configured.get(live["VariantName"], {})
        serverless = live.get("CurrentServerlessConfig") or spec.get("ServerlessConfig")
        view.append(
            {
                "name": live["VariantName"],
                "model_name": spec.get("ModelName"),
                "instance_type": spec.get("InstanceType"),
                "serverless": snake(serverless) if serverless else None,
                "current_weight": live.get("CurrentWeight"),
                "desired_weight": live.get("DesiredWeight"),
                "current_instance_count": live.get("CurrentInstanceCount"),
                "desired_instance_count": live.get("DesiredInstanceCount"),
                "status": [s.get("Status") for s in live.get("VariantStatus", [])],
            }
        )
    return view
