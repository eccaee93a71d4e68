# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired state of a SageMaker endpoint, as plain data: no AWS calls in this file.

`check_arguments()` finds bad input before any AWS call and names the field. `DesiredEndpoint`
turns the module's options into the exact CreateModel / CreateEndpointConfig / DeploymentConfig
requests. Models and endpoint configurations are immutable in SageMaker, so each is named by a
short hash of its content: an unchanged spec maps to the same names (nothing to do), a changed
one to new names (create, switch, then remove the superseded ones).

Variant weights are left out of the configuration's hash: they are rollout state, changed in
place with UpdateEndpointWeightsAndCapacities rather than with a new configuration.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re

HASH_LENGTH = 8
NAME_MAX = 63
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)

# SageMaker's documented bounds (API reference: TrafficRoutingConfig, RollingUpdatePolicy,
# BlueGreenUpdatePolicy). Percent bounds are of a variant's total instance count.
CANARY_PERCENT = (1, 50)
LINEAR_PERCENT = (10, 50)
ROLLING_PERCENT = (5, 50)
WAIT_INTERVAL = (0, 3600)
TERMINATION_WAIT = (0, 3600)
MAXIMUM_EXECUTION_TIMEOUT = (600, 28800)
DEFAULT_STEP_WAIT = 300

SIZE_UNITS = {"capacity_percent": "CAPACITY_PERCENT", "instance_count": "INSTANCE_COUNT"}
TRAFFIC_ROUTING = {"all_at_once": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}


class SpecError(ValueError):
    """Bad input, found before any AWS call; the message starts with the field's path."""


def short_hash(data):
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def hashed_name(base, digest):
    """`<base>-<hash>`, with base cut so that the whole stays within SageMaker's 63 characters."""
    base = base[: NAME_MAX - HASH_LENGTH - 1].rstrip("-")
    return f"{base}-{digest}"


def config_name_pattern(endpoint_name):
    """The names this module gives the endpoint's configurations: `<endpoint>-<8 hex>`."""
    base = endpoint_name[: NAME_MAX - HASH_LENGTH - 1].rstrip("-")
    return re.compile(rf"^{re.escape(base)}-[0-9a-f]{{{HASH_LENGTH}}}$")


def _in(value, bounds):
    return bounds[0] <= value <= bounds[1]


def _scrub(data):
    """Drop None values and empty containers, recursively, so that requests hash stably."""
    if isinstance(data, dict):
        cleaned = {k: _scrub(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != {} and v != []}
    if isinstance(data, list):
        return [_scrub(v) for v in data]
    return data


# ---------------------------------------------------------------------------------------------
# Validation: everything SageMaker would reject later, found now and named by its field.
# ---------------------------------------------------------------------------------------------


def check_arguments(params):
    """Raise SpecError for the first problem found in the module's parameters."""
    name = params["name"]
    if not NAME_PATTERN.match(name):
        raise SpecError(f"name: '{name}' is not a valid SageMaker endpoint name (letters, digits and hyphens, at most 63).")
    if params.get("retain_configs", 0) < 0:
        raise SpecError("retain_configs: must be 0 or more.")
    if params.get("wait_timeout", 1) <= 0:
        raise SpecError("wait_timeout: must be a positive number of seconds.")
    if params["state"] == "absent":
        return
    models = params.get("models") or []
    variants = params.get("variants") or []
    if not models:
        raise SpecError("models: at least one model is required when state=present.")
    if not variants:
        raise SpecError("variants: at least one variant is required when state=present.")
    model_names = _check_models(models)
    _check_variants(variants, model_names)
    _check_data_capture(params.get("data_capture"))
    _check_serverless_exclusions(variants, params.get("data_capture"))
    _check_deployment_config(params.get("deployment_config"), variants)


def _check_name(field, name, names, kind, invalid):
    """A model's or variant's name: valid and not used twice (added to ``names``)."""
    if not NAME_PATTERN.match(name):
        raise SpecError(f"{field}.name: '{name}' is not a valid {invalid}.")
    if name in names:
        raise SpecError(f"{field}.name: '{name}' is used by two {kind}s; {kind} names must be unique.")
    names.append(name)


def _check_models(models):
    names = []
    for index, model in enumerate(models):
        field = f"models[{index}]"
        _check_name(field, model["name"], names, "model", "name (letters, digits and hyphens)")
        vpc = model.get("vpc_config")
        if vpc and (not vpc.get("subnets") or not vpc.get("security_group_ids")):
            raise SpecError(f"{field}.vpc_config: needs both subnets and security_group_ids.")
    return names


def _check_variants(variants, model_names):
    names = []
    used_models = set()
    for index, variant in enumerate(variants):
        field = f"variants[{index}]"
        _check_name(field, variant["name"], names, "variant", "variant name")
        if variant["model"] not in model_names:
            raise SpecError(
                f"{field}.model: '{variant['model']}' is not one of the models ({', '.join(model_names)}); "
                "add it to models or fix the name."
            )
        used_models.add(variant["model"])
        weight = variant.get("initial_variant_weight")
        if weight is not None and weight < 0:
            raise SpecError(f"{field}.initial_variant_weight: {weight} is negative; weights are 0 or more.")
        serverless = variant.get("serverless")
        if serverless:
            mixed = [key for key in ("instance_type", "initial_instance_count", "managed_instance_scaling", "autoscaling")
                     if variant.get(key) is not None]
            if mixed:
                raise SpecError(
                    f"{field}.serverless: a serverless variant cannot also set {', '.join(mixed)}; "
                    "remove them or remove serverless."
                )
            if serverless["memory_size_in_mb"] not in SERVERLESS_MEMORY_SIZES:
                raise SpecError(
                    f"{field}.serverless.memory_size_in_mb: {serverless['memory_size_in_mb']} is not one of "
                    f"{', '.join(str(s) for s in SERVERLESS_MEMORY_SIZES)}."
                )
            if not _in(serverless["max_concurrency"], (1, 200)):
                raise SpecError(f"{field}.serverless.max_concurrency: {serverless['max_concurrency']} is not within 1-200.")
            provisioned = serverless.get("provisioned_concurrency")
            if provisioned is not None and not _in(provisioned, (1, serverless["max_concurrency"])):
                raise SpecError(
                    f"{field}.serverless.provisioned_concurrency: {provisioned} must be within 1 and max_concurrency."
                )
        else:
            if not variant.get("instance_type"):
                raise SpecError(f"{field}.instance_type: required for a variant that is not serverless.")
            count = variant.get("initial_instance_count")
            if count is not None and count < 1:
                raise SpecError(f"{field}.initial_instance_count: {count} must be 1 or more.")
        scaling = variant.get("autoscaling")
        if scaling:
            if scaling["min_capacity"] < 1:
                raise SpecError(f"{field}.autoscaling.min_capacity: {scaling['min_capacity']} must be 1 or more.")
            if scaling["max_capacity"] < scaling["min_capacity"]:
                raise SpecError(
                    f"{field}.autoscaling.max_capacity: {scaling['max_capacity']} is below min_capacity "
                    f"{scaling['min_capacity']}."
                )
            if scaling["target_invocations_per_instance"] <= 0:
                raise SpecError(f"{field}.autoscaling.target_invocations_per_instance: must be above 0.")
        managed = variant.get("managed_instance_scaling")
        if (
            managed
            and managed.get("min_instance_count") is not None
            and managed.get("max_instance_count") is not None
            and managed["max_instance_count"] < managed["min_instance_count"]
        ):
            raise SpecError(f"{field}.managed_instance_scaling.max_instance_count: below min_instance_count.")
    if not any(_weight(v) > 0 for v in variants):
        raise SpecError(
            "variants[].initial_variant_weight: every weight is 0, so no variant would take traffic; "
            "give at least one variant a weight above 0."
        )
    for index, model_name in enumerate(model_names):
        if model_name not in used_models:
            raise SpecError(f"models[{index}].name: '{model_name}' is not used by any variant; remove it or add a variant.")


def _check_data_capture(capture):
    if not capture:
        return
    if not _in(capture["sampling_percentage"], (0, 100)):
        raise SpecError(f"data_capture.sampling_percentage: {capture['sampling_percentage']} is not within 0-100.")
    if not (capture["capture_request"] or capture["capture_response"]):
        raise SpecError("data_capture: capture_request and capture_response are both false; capture at least one.")
    if not re.match(r"^(s3|https)://", capture["destination_s3_uri"]):
        raise SpecError("data_capture.destination_s3_uri: must be an s3:// URI.")


def _check_serverless_exclusions(variants, capture):
    """What Serverless Inference does not support and CreateEndpointConfig refuses (SageMaker's
    "Feature exclusions" of serverless endpoints): data capture, and more than one variant."""
    serverless = [index for index, variant in enumerate(variants) if variant.get("serverless")]
    if not serverless:
        return
    if capture:
        raise SpecError(
            f"data_capture: SageMaker Serverless Inference does not support data capture (variants[{serverless[0]}] "
            "is serverless); remove data_capture or serve the variant on instances."
        )
    if len(variants) > 1:
        raise SpecError(
            f"variants[{serverless[0]}].serverless: a serverless endpoint has exactly one production variant "
            f"({len(variants)} given); split them into separate endpoints or serve them on instances."
        )


def _size_bounds(field, size, unit, percent_bounds, variants):
    """A capacity size within SageMaker's bounds, for percents and for counts of every variant."""
    if unit == "capacity_percent":
        if not _in(size, percent_bounds):
            raise SpecError(
                f"{field}: {size}% is out of SageMaker's bounds ({percent_bounds[0]}-{percent_bounds[1]}% of a "
                "variant's instances)."
            )
        return
    counts = [v.get("initial_instance_count") or 1 for v in variants if not v.get("serverless")]
    smallest = min(counts) if counts else 0
    low = max(1, -(-smallest * percent_bounds[0] // 100))
    high = smallest * percent_bounds[1] // 100
    if not _in(size, (low, high)):
        raise SpecError(
            f"{field}: {size} instances is out of SageMaker's bounds: {percent_bounds[0]}-{percent_bounds[1]}% of the "
            f"smallest variant ({smallest} instances) allows {low}-{high}."
            if high >= low
            else f"{field}: the smallest variant has {smallest} instance(s), too few for a step of "
            f"{percent_bounds[1]}% or less; use capacity_percent or more instances."
        )


def _check_bounds(field, value, bounds):
    if value is not None and not _in(value, bounds):
        raise SpecError(f"{field}: {value} is out of SageMaker's bounds ({bounds[0]}-{bounds[1]} seconds).")


def _check_deployment_config(deployment, variants):
    if not deployment:
        return
    blue_green = deployment.get("blue_green")
    rolling = deployment.get("rolling_update")
    if blue_green and rolling:
        raise SpecError("deployment_config: set blue_green or rolling_update, not both.")
    if any(v.get("serverless") for v in variants) and (blue_green or rolling):
        raise SpecError("deployment_config: SageMaker deployment guardrails do not apply to serverless variants.")
    if blue_green:
        field = "deployment_config.blue_green"
        routing = blue_green["traffic_routing"]
        if routing == "canary":
            if blue_green.get("canary_size") is None:
                raise SpecError(f"{field}.canary_size: required when traffic_routing=canary.")
            _size_bounds(f"{field}.canary_size", blue_green["canary_size"], blue_green["size_unit"], CANARY_PERCENT, variants)
        if routing == "linear":
            if blue_green.get("linear_step_size") is None:
                raise SpecError(f"{field}.linear_step_size: required when traffic_routing=linear.")
            _size_bounds(
                f"{field}.linear_step_size", blue_green["linear_step_size"], blue_green["size_unit"], LINEAR_PERCENT, variants
            )
        _check_bounds(f"{field}.wait_interval", blue_green.get("wait_interval"), WAIT_INTERVAL)
        _check_bounds(f"{field}.termination_wait", blue_green.get("termination_wait"), TERMINATION_WAIT)
        _check_bounds(f"{field}.maximum_execution_timeout", blue_green.get("maximum_execution_timeout"),
                      MAXIMUM_EXECUTION_TIMEOUT)
    if rolling:
        field = "deployment_config.rolling_update"
        _size_bounds(f"{field}.batch_size", rolling["batch_size"], rolling["batch_size_unit"], ROLLING_PERCENT, variants)
        if rolling.get("rollback_batch_size") is not None:
            unit = rolling["rollback_batch_size_unit"]
            if unit == "capacity_percent" and not _in(rolling["rollback_batch_size"], (1, 100)):
                raise SpecError(f"{field}.rollback_batch_size: {rolling['rollback_batch_size']}% is not within 1-100.")
            if unit == "instance_count" and rolling["rollback_batch_size"] < 1:
                raise SpecError(f"{field}.rollback_batch_size: must be 1 or more instances.")
        _check_bounds(f"{field}.wait_interval", rolling.get("wait_interval"), WAIT_INTERVAL)
        _check_bounds(f"{field}.maximum_execution_timeout", rolling.get("maximum_execution_timeout"),
                      MAXIMUM_EXECUTION_TIMEOUT)
    alarms = deployment.get("auto_rollback_alarms") or []
    if len(alarms) > 10:
        raise SpecError(f"deployment_config.auto_rollback_alarms: {len(alarms)} alarms; SageMaker takes at most 10.")


# ---------------------------------------------------------------------------------------------
# Requests: the desired state as the exact SageMaker API payloads.
# ---------------------------------------------------------------------------------------------


def model_request(model):
    """CreateModel's payload for one entry of `models` (without ModelName and Tags)."""
    container = {
        "Image": model["image"],
        "ModelDataUrl": model.get("model_data_url"),
        "Environment": dict(model.get("environment") or {}),
    }
    request = {
        "PrimaryContainer": container,
        "ExecutionRoleArn": model["execution_role_arn"],
        "EnableNetworkIsolation": bool(model.get("enable_network_isolation")),
    }
    vpc = model.get("vpc_config")
    if vpc:
        request["VpcConfig"] = {"Subnets": list(vpc["subnets"]), "SecurityGroupIds": list(vpc["security_group_ids"])}
    return _scrub(request)


def _weight(variant):
    weight = variant.get("initial_variant_weight")
    return 1.0 if weight is None else float(weight)


def variant_request(variant, model_name):
    request = {
        "VariantName": variant["name"],
        "ModelName": model_name,
        "InitialVariantWeight": _weight(variant),
        "ContainerStartupHealthCheckTimeoutInSeconds": variant.get("container_startup_health_check_timeout"),
        "ModelDataDownloadTimeoutInSeconds": variant.get("model_data_download_timeout"),
    }
    serverless = variant.get("serverless")
    if serverless:
        request["ServerlessConfig"] = {
            "MemorySizeInMB": serverless["memory_size_in_mb"],
            "MaxConcurrency": serverless["max_concurrency"],
            "ProvisionedConcurrency": serverless.get("provisioned_concurrency"),
        }
    else:
        request["InstanceType"] = variant["instance_type"]
        request["InitialInstanceCount"] = variant.get("initial_instance_count") or 1
    managed = variant.get("managed_instance_scaling")
    if managed:
        request["ManagedInstanceScaling"] = {
            "Status": "ENABLED" if managed.get("enabled", True) else "DISABLED",
            "MinInstanceCount": managed.get("min_instance_count"),
            "MaxInstanceCount": managed.get("max_instance_count"),
        }
    return _scrub(request)


def data_capture_request(capture):
    if not capture:
        return None
    modes = []
    if capture["capture_request"]:
        modes.append({"CaptureMode": "Input"})
    if capture["capture_response"]:
        modes.append({"CaptureMode": "Output"})
    headers = {
        "CsvContentTypes": capture.get("csv_content_types"),
        "JsonContentTypes": capture.get("json_content_types"),
    }
    return _scrub(
        {
            "EnableCapture": bool(capture["enabled"]),
            "InitialSamplingPercentage": capture["sampling_percentage"],
            "DestinationS3Uri": capture["destination_s3_uri"],
            "KmsKeyId": capture.get("kms_key_id"),
            "CaptureOptions": modes,
            "CaptureContentTypeHeader": headers,
        }
    )


def async_inference_request(async_inference):
    if not async_inference:
        return None
    return _scrub(
        {
            "ClientConfig": {
                "MaxConcurrentInvocationsPerInstance": async_inference.get("max_concurrent_invocations_per_instance"),
            },
            "OutputConfig": {
                "S3OutputPath": async_inference["output_path"],
                "S3FailurePath": async_inference.get("failure_path"),
                "KmsKeyId": async_inference.get("kms_key_id"),
                "NotificationConfig": {
                    "SuccessTopic": async_inference.get("success_topic"),
                    "ErrorTopic": async_inference.get("error_topic"),
                },
            },
        }
    )


def _capacity(size, unit):
    return {"Type": SIZE_UNITS[unit], "Value": size}


def deployment_request(deployment):
    """UpdateEndpoint's DeploymentConfig, or None (SageMaker's default: all at once, no alarms)."""
    if not deployment:
        return None
    request = {}
    blue_green = deployment.get("blue_green")
    if blue_green:
        routing = blue_green["traffic_routing"]
        wait = blue_green.get("wait_interval")
        if wait is None:
            wait = 0 if routing == "all_at_once" else DEFAULT_STEP_WAIT
        traffic = {"Type": TRAFFIC_ROUTING[routing], "WaitIntervalInSeconds": wait}
        if routing == "canary":
            traffic["CanarySize"] = _capacity(blue_green["canary_size"], blue_green["size_unit"])
        if routing == "linear":
            traffic["LinearStepSize"] = _capacity(blue_green["linear_step_size"], blue_green["size_unit"])
        request["BlueGreenUpdatePolicy"] = {
            "TrafficRoutingConfiguration": traffic,
            "TerminationWaitInSeconds": blue_green.get("termination_wait"),
            "MaximumExecutionTimeoutInSeconds": blue_green.get("maximum_execution_timeout"),
        }
    rolling = deployment.get("rolling_update")
    if rolling:
        request["RollingUpdatePolicy"] = {
            "MaximumBatchSize": _capacity(rolling["batch_size"], rolling["batch_size_unit"]),
            "WaitIntervalInSeconds": rolling.get("wait_interval") or 0,
            "MaximumExecutionTimeoutInSeconds": rolling.get("maximum_execution_timeout"),
            "RollbackMaximumBatchSize": _capacity(rolling["rollback_batch_size"], rolling["rollback_batch_size_unit"])
            if rolling.get("rollback_batch_size") is not None
            else None,
        }
    alarms = deployment.get("auto_rollback_alarms")
    if alarms:
        request["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": alarm} for alarm in alarms]}
    return _scrub(request) or None


def describe_deployment(deployment):
    """One line for the plan: how the update moves traffic."""
    if not deployment:
        return "all at once (SageMaker default)"
    parts = []
    blue_green = deployment.get("blue_green")
    if blue_green:
        routing = blue_green["traffic_routing"]
        unit = "%" if blue_green["size_unit"] == "capacity_percent" else " instance(s)"
        if routing == "canary":
            parts.append(f"blue/green canary {blue_green['canary_size']}{unit}")
        elif routing == "linear":
            parts.append(f"blue/green linear steps of {blue_green['linear_step_size']}{unit}")
        else:
            parts.append("blue/green all at once")
    if deployment.get("rolling_update"):
        rolling = deployment["rolling_update"]
        unit = "%" if rolling["batch_size_unit"] == "capacity_percent" else " instance(s)"
        parts.append(f"rolling batches of {rolling['batch_size']}{unit}")
    if deployment.get("auto_rollback_alarms"):
        parts.append("rollback on alarms " + ", ".join(deployment["auto_rollback_alarms"]))
    return ", ".join(parts) or "all at once (SageMaker default)"


class DesiredEndpoint:
    """The module's options as SageMaker requests, with content-hashed resource names."""

    def __init__(self, params):
        self.name = params["name"]
        self.models = {}  # logical name -> {"name": hashed SageMaker name, "request": CreateModel payload}
        for model in params["models"]:
            request = model_request(model)
            digest = short_hash({"endpoint": self.name, "model": model["name"], "request": request})
            self.models[model["name"]] = {
                "name": hashed_name(f"{self.name}-{model['name']}", digest),
                "request": request,
            }
        variants = [variant_request(v, self.models[v["model"]]["name"]) for v in params["variants"]]
        self.config_request = _scrub(
            {
                "ProductionVariants": variants,
                "DataCaptureConfig": data_capture_request(params.get("data_capture")),
                "AsyncInferenceConfig": async_inference_request(params.get("async_inference")),
                "KmsKeyId": params.get("kms_key_id"),
            }
        )
        self.weights = {v["VariantName"]: v["InitialVariantWeight"] for v in variants}
        self.config_name = hashed_name(self.name, short_hash(config_fingerprint(self.config_request)))
        self.deployment = deployment_request(params.get("deployment_config"))
        self.deployment_summary = describe_deployment(params.get("deployment_config"))
        self.variant_specs = {v["name"]: v for v in params["variants"]}

    @property
    def model_names(self):
        return {entry["name"] for entry in self.models.values()}

    def model_request_by_name(self, sagemaker_name):
        for entry in self.models.values():
            if entry["name"] == sagemaker_name:
                return entry["request"]
        raise KeyError(sagemaker_name)

    def instance_types(self):
        return {v["VariantName"]: v.get("InstanceType") for v in self.config_request["ProductionVariants"]}


def config_fingerprint(config_request):
    """What identifies a configuration: everything but the variants' weights."""
    fingerprint = copy.deepcopy(config_request)
    for variant in fingerprint.get("ProductionVariants", []):
        variant.pop("InitialVariantWeight", None)
    return fingerprint


CONFIG_FIELDS = ("ProductionVariants", "DataCaptureConfig", "AsyncInferenceConfig", "KmsKeyId")
MODEL_FIELDS = ("PrimaryContainer", "ExecutionRoleArn", "EnableNetworkIsolation", "VpcConfig")


def config_view(config_name, config, models, weights, tags):
    """The configuration as --diff shows it, the same shape for the live and the desired side.

    `config` is a CreateEndpointConfig payload or a DescribeEndpointConfig answer, `models` maps
    SageMaker model names to CreateModel payloads or DescribeModel answers, `weights` are the
    variants' live (or desired) weights.
    """
    config = {key: copy.deepcopy(config[key]) for key in CONFIG_FIELDS if config.get(key) not in (None, {}, [])}
    for variant in config.get("ProductionVariants", []):
        if variant["VariantName"] in weights:
            variant["InitialVariantWeight"] = weights[variant["VariantName"]]
    return {
        "endpoint_config_name": config_name,
        "endpoint_config": config,
        "models": {
            name: {key: model[key] for key in MODEL_FIELDS if model.get(key) not in (None, {}, [])}
            for name, model in sorted(models.items())
        },
        "weights": dict(sorted(weights.items())),
        "tags": dict(sorted((tags or {}).items())),
    }
