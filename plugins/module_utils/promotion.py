# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Promotion of a registered model version to an environment: gates, pointer, alias, history.

- Gates: ``"<metric> <op> <number>"`` or ``"<metric> <op> current[ +/- <number>]"`` expressions,
  must-beat-current with a tolerance, required approval, the promotion order, the version's
  approval status. Every gate yields one row of the gate report, passed or not.
- Pointer: the SSM parameter ``/<app>/<environment>/model-version`` holding JSON
  ``{"version", "uri", "sha256", "model_package_arn", "promoted_at", "promoted_by"}``; the ML
  service polls it and hot-reloads.
- Alias: ``<prefix>/latest/<environment>/model.tar.gz`` (+ metadata.json) in the model store.
- History: one JSON object per promotion or revert, ``<prefix>/promotions/<environment>/
  <UTC timestamp>-<version>.json``, written once (S3 conditional write) and never changed.
  Each record carries the environment's ``lineage`` (versions made live, oldest first) so that a
  revert reads one record, not the whole history.
"""

import json
import re
from datetime import datetime
from datetime import timezone

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import SSMErrorHandler
from ansible_collections.mlops.aws_deploy.plugins.module_utils.bundle import BundleError
from ansible_collections.mlops.aws_deploy.plugins.module_utils.bundle import read_bundle_bytes

DEFAULT_PARAMETER_NAME = "/{app}/{environment}/model-version"
LINEAGE_LENGTH = 50
ALIAS_FILES = (registry.STORE_BUNDLE, registry.STORE_METADATA)
_OPERATORS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
}
_GATE = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_.\-]*)\s*(?P<op>>=|<=|==|>|<)\s*"
    r"(?:(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<current>current)(?:\s*(?P<sign>[-+])\s*(?P<offset>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?)\s*$"
)


class PromotionError(Exception):
    """A promotion or revert cannot proceed (bad input, or a state we refuse to act on)."""


def now():
    return datetime.now(timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# Gates.


def parse_gate(expression):
    """``{"gate", "metric", "operator", "reference": "absolute"|"current", "value"}``."""
    match = _GATE.match(str(expression))
    if not match:
        raise PromotionError(
            f"malformed gate expression {expression!r}: expected '<metric> <op> <number>' or "
            "'<metric> <op> current [+|- <number>]' with <op> one of >=, >, <=, <, =="
        )
    if match.group("current"):
        offset = float(match.group("offset") or 0.0)
        value = -offset if match.group("sign") == "-" else offset
        reference = "current"
    else:
        value = float(match.group("number"))
        reference = "absolute"
    return {"gate": str(expression).strip(), "metric": match.group("metric"), "operator": match.group("op"),
            "reference": reference, "value": value}


def parse_gates(gates):
    """Validate the ``gates`` option; return the parsed metric gates."""
    gates = gates or {}
    parsed = [parse_gate(expression) for expression in gates.get("metrics") or []]
    tolerance = gates.get("tolerance") or 0.0
    if tolerance < 0:
        raise PromotionError(f"gates.tolerance must not be negative, got {tolerance}")
    if gates.get("must_beat_current"):
        for metric in gates.get("compare_metrics") or []:
            parsed.append({"gate": f"{metric} >= current - {tolerance:g} (must_beat_current)", "metric": metric,
                           "operator": ">=", "reference": "current", "value": -tolerance, "kind": "must_beat_current"})
    return parsed


def check_metrics_known(parsed, candidate_metrics):
    unknown = sorted({gate["metric"] for gate in parsed if gate["metric"] not in candidate_metrics})
    if unknown:
        raise PromotionError(
            f"unknown metric {', '.join(repr(m) for m in unknown)} in gates: the version records "
            f"{', '.join(sorted(candidate_metrics)) or 'no metrics'}"
        )


def _row(gate, kind, passed, detail, **extra):
    row = {"gate": gate, "kind": kind, "passed": bool(passed), "detail": detail}
    row.update(extra)
    return row


def metric_rows(parsed, candidate_metrics, current):
    """Gate rows for the metric gates. ``current`` is None or ``{"version", "metrics"}``."""
    rows = []
    for gate in parsed:
        metric, op = gate["metric"], gate["operator"]
        value = candidate_metrics[metric]
        kind = gate.get("kind", "threshold")
        extra = {"metric": metric, "operator": op, "candidate": value}
        if gate["reference"] == "absolute":
            threshold = gate["value"]
            passed = _OPERATORS[op](value, threshold)
            rows.append(_row(gate["gate"], kind, passed, f"{metric} {value:g} {op} {threshold:g}: {_verdict(passed)}",
                             threshold=threshold, current=None, **extra))
            continue
        if current is None:
            rows.append(_row(gate["gate"], kind, True, "no version is live in this environment: nothing to compare with",
                             threshold=None, current=None, **extra))
            continue
        if metric not in current["metrics"]:
            rows.append(_row(gate["gate"], kind, False,
                             f"the live version {current['version']} records no {metric}: cannot compare",
                             threshold=None, current=None, **extra))
            continue
        threshold = round(current["metrics"][metric] + gate["value"], 12)
        passed = _OPERATORS[op](value, threshold)
        rows.append(_row(gate["gate"], kind, passed,
                         f"{metric} {value:g} {op} {threshold:g} (live version {current['version']}: "
                         f"{current['metrics'][metric]:g}): {_verdict(passed)}",
                         threshold=threshold, current=current["metrics"][metric], **extra))
    return rows


def _verdict(passed):
    return "passed" if passed else "failed"


def approval_row(required, approver, reason):
    if not required:
        return None
    passed = bool(approver and approver.strip() and reason and reason.strip())
    detail = f"approved by {approver}: {reason}" if passed else "approval required: set approver and reason"
    return _row("require_approval", "approval", passed, detail, approver=approver, reason=reason)


def status_row(status):
    passed = status != "Rejected"
    detail = f"approval status {status}" + ("" if passed else ": a Rejected version is never promoted")
    return _row("not_rejected", "status", passed, detail, approval_status=status)


def order_row(environment, order, promoted_before, force):
    """The version must have been live in the environment before this one in ``order``."""
    if environment not in order or order.index(environment) == 0:
        return None
    previous = order[order.index(environment) - 1]
    gate = f"promoted to {previous} before {environment}"
    if promoted_before:
        return _row(gate, "order", True, f"the version was promoted to {previous}", required_environment=previous)
    if force:
        return _row(gate, "order", True, f"never promoted to {previous}; forced (force=true, recorded)",
                    required_environment=previous, forced=True)
    return _row(gate, "order", False, f"the version was never promoted to {previous}: promote it there first "
                "(or force=true, which is recorded)", required_environment=previous)


# The pointer (SSM parameter).


def parameter_name(template, app, environment):
    if "{app}" in template and not app:
        raise PromotionError(f"app is required to build the pointer parameter name from {template!r}")
    try:
        return template.format(app=app, environment=environment)
    except (KeyError, IndexError, ValueError) as e:
        raise PromotionError(f"parameter_name {template!r} is not a valid template ({{app}}, {{environment}}): {e}") from e


def environment_bundle_uri(package, bucket):
    """Where the environment reads the version's bundle: the same key in the environment's own bucket.

    Each environment's roles may read only their own bucket (and key), so a version registered in
    another environment's bucket is served from a copy; in the registering bucket it is the bundle itself.
    The key names the version, so the copy is as immutable as the original (never the moving alias).
    """
    _source_bucket, key = registry.split_s3_uri(registry.summarize(package)["model_data_url"])
    return registry.s3_uri(bucket, key)


def copy_plan(package, bucket):
    """The server-side copy of the version's bundle and metadata.json into ``bucket``, or None."""
    source = registry.summarize(package)["model_data_url"]
    target = environment_bundle_uri(package, bucket)
    return None if source == target else {"from": source, "to": target}


def copy_bundle(s3, package, bucket):
    """Copy the version's files (bundle, metadata.json) to the same keys in ``bucket``, unless there already."""
    source_bucket, bundle_key = registry.split_s3_uri(registry.summarize(package)["model_data_url"])
    directory = bundle_key.rsplit("/", 1)[0]
    sha = registry.summarize(package)["model_sha256"]
    for name in ALIAS_FILES:
        key = f"{directory}/{name}"
        head = registry.head_object(s3, bucket, key)
        if head is not None and (name != registry.STORE_BUNDLE
                                 or (head.get("Metadata") or {}).get(registry.SHA_METADATA_KEY) == sha):
            continue
        s3.copy_object(Bucket=bucket, Key=key, MetadataDirective="COPY",
                       CopySource={"Bucket": source_bucket, "Key": key}, aws_retry=True)


def pointer_value(package, promoted_at, promoted_by, bucket):
    summary = registry.summarize(package)
    return {
        "version": str(summary["version"]),
        "uri": environment_bundle_uri(package, bucket),
        "sha256": summary["model_sha256"],
        "model_package_arn": summary["model_package_arn"],
        "promoted_at": promoted_at,
        "promoted_by": promoted_by,
    }


@SSMErrorHandler.list_error_handler("read the pointer {name}")
def _get_parameter(ssm, name):
    return ssm.get_parameter(Name=name, aws_retry=True)["Parameter"]


def read_pointer(ssm, name):
    """The pointer's JSON value, or None when the parameter does not exist."""
    parameter = _get_parameter(ssm, name)
    if parameter is None:
        return None
    try:
        value = json.loads(parameter["Value"])
    except ValueError as e:
        raise PromotionError(f"the pointer {name} does not hold JSON: {parameter['Value'][:200]!r}") from e
    if not isinstance(value, dict) or "version" not in value:
        raise PromotionError(f"the pointer {name} holds JSON without a version: {parameter['Value'][:200]!r}")
    return value


def write_pointer(ssm, name, value, exists, tags=None):
    params = {"Name": name, "Value": json.dumps(value, sort_keys=True), "Type": "String",
              "Description": "Model version live in this environment (written by mlops.aws_deploy.model_promote)"}
    if exists:
        params["Overwrite"] = True
    elif tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    ssm.put_parameter(aws_retry=True, **params)


def delete_pointer(ssm, name):
    ssm.delete_parameter(Name=name, aws_retry=True)


@SSMErrorHandler.list_error_handler("read the history of the pointer {name}", [])
@retries.retry_decorator("ssm")
def _parameter_history(ssm, name):
    paginator = ssm.get_paginator("get_parameter_history")
    return paginator.paginate(Name=name).build_full_result().get("Parameters", [])


def versions_in_pointer_history(ssm, name):
    """Versions the pointer ever held (SSM keeps a parameter's last 100 values)."""
    versions = set()
    for entry in _parameter_history(ssm, name):
        try:
            versions.add(int(json.loads(entry["Value"])["version"]))
        except (ValueError, KeyError, TypeError):
            continue
    return versions


def same_version(pointer, package):
    return bool(pointer) and pointer.get("version") == str(package.get("ModelPackageVersion")) and pointer.get(
        "sha256") == (package.get("CustomerMetadataProperties") or {}).get(registry.CMP_MODEL_SHA256)


def pointer_tags(ssm, name):
    response = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name, aws_retry=True)
    return boto3_tag_list_to_ansible_dict(response.get("TagList", []))


def apply_pointer_tags(ssm, name, plan):
    if plan["remove"]:
        ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=plan["remove"], aws_retry=True)
    if plan["add"]:
        ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name,
                                 Tags=ansible_dict_to_boto3_tag_list(plan["add"]), aws_retry=True)


# The environment's alias in the model store.


def alias_key(prefix, environment, name):
    return "/".join(p for p in (registry.clean_prefix(prefix), "latest", environment, name) if p)


def alias_sha256(s3, bucket, prefix, environment):
    """The model sha256 of the environment's alias (from the object's metadata), or None."""
    head = registry.head_object(s3, bucket, alias_key(prefix, environment, registry.STORE_BUNDLE))
    return (head.get("Metadata") or {}).get(registry.SHA_METADATA_KEY) if head else None


def copy_alias(s3, bucket, prefix, environment, package):
    """Point the alias at a version: server-side copies of its bundle and metadata.json."""
    source_bucket, bundle_key = registry.split_s3_uri(registry.summarize(package)["model_data_url"])
    directory = bundle_key.rsplit("/", 1)[0]
    for name in ALIAS_FILES:
        s3.copy_object(Bucket=bucket, Key=alias_key(prefix, environment, name), MetadataDirective="COPY",
                       CopySource={"Bucket": source_bucket, "Key": f"{directory}/{name}"}, aws_retry=True)


def delete_alias(s3, bucket, prefix, environment):
    for name in ALIAS_FILES:
        s3.delete_object(Bucket=bucket, Key=alias_key(prefix, environment, name), aws_retry=True)


def verify_artifact(s3, package):
    """Download the version's bundle and check model.onnx against the registered sha256."""
    summary = registry.summarize(package)
    uri = summary["model_data_url"]
    bucket, key = registry.split_s3_uri(uri)
    try:
        data = s3.get_object(Bucket=bucket, Key=key, aws_retry=True)["Body"].read()
    except is_boto3_error_code(["NoSuchKey", "404", "NotFound"]) as e:
        raise PromotionError(f"the bundle of version {summary['version']} is missing from the model store: {uri}") from e
    try:
        read_bundle_bytes(data, expected_sha256=summary["model_sha256"])
    except BundleError as e:
        raise PromotionError(f"the bundle of version {summary['version']} at {uri} does not match the registry: {e}") from e


# History.


def history_prefix(prefix, environment):
    return "/".join(p for p in (registry.clean_prefix(prefix), "promotions", environment) if p) + "/"


def record_key(prefix, environment, moment, version):
    return f"{history_prefix(prefix, environment)}{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{version}.json"


@retries.retry_decorator("s3")
def _list_keys(s3, bucket, prefix):
    paginator = s3.get_paginator("list_objects_v2")
    contents = paginator.paginate(Bucket=bucket, Prefix=prefix).build_full_result().get("Contents", [])
    return sorted(item["Key"] for item in contents)


def record_keys(s3, bucket, prefix, environment):
    """Keys of the environment's records, oldest first (the timestamp leads the name)."""
    return _list_keys(s3, bucket, history_prefix(prefix, environment))


def versions_in_history(keys):
    versions = set()
    for key in keys:
        match = re.search(r"-(\d+)\.json$", key)
        if match:
            versions.add(int(match.group(1)))
    return versions


def read_record(s3, bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key, aws_retry=True)["Body"].read()
    try:
        return json.loads(body)
    except ValueError as e:
        raise PromotionError(f"promotion record s3://{bucket}/{key} is not JSON") from e


def latest_record(s3, bucket, prefix, environment):
    keys = record_keys(s3, bucket, prefix, environment)
    return read_record(s3, bucket, keys[-1]) if keys else None


def read_history(s3, bucket, prefix, environment, limit):
    keys = record_keys(s3, bucket, prefix, environment)
    selected = list(reversed(keys))[:limit] if limit else list(reversed(keys))
    return [dict(read_record(s3, bucket, key), key=key) for key in selected]


def write_record(s3, bucket, key, record):
    body = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
    registry.put_new_object(s3, bucket, key, body, "application/json", {})


def lineage_of(record, pointer):
    """Versions made live in the environment, oldest first, ending with the live one."""
    lineage = [str(v) for v in (record or {}).get("lineage") or []]
    if pointer and (not lineage or lineage[-1] != pointer["version"]):
        lineage.append(pointer["version"])  # the pointer was set outside model_promote
    return lineage
