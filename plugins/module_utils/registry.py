# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The model registry: a SageMaker model package group and its versions (model packages).

Groups and packages are SageMaker resources: their tags go through sagemaker.py's get_tags,
tag_plan and apply_tags, as an endpoint's do.

What a version records lives in its CustomerMetadataProperties (flat string keys, see
``CMP_*`` below): the sha256 of model.onnx (the identity of a model), the dataset hash, the
metrics (``metrics.<name>``), the drift baseline location. ``summarize()`` turns a described
package into the snake_case dict that model_package, model_package_info and model_promote
return.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import S3ErrorHandler
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import SageMakerErrorHandler
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import sagemaker_not_found

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
RETRY = retries.retry_decorator("sagemaker")

CMP_MODEL_SHA256 = "model_sha256"
CMP_BUNDLE_SHA256 = "bundle_sha256"
CMP_DATASET_SHA256 = "dataset.sha256"
CMP_DATASET_ROWS = "dataset.rows"
CMP_DATASET_SOURCE = "dataset.source"
CMP_METRIC_PREFIX = "metrics."
CMP_MODEL_TYPE = "model_type"
CMP_BUNDLE_VERSION = "bundle_version"
CMP_CREATED_AT = "created_at"
CMP_DRIFT_BASELINE = "drift_baseline_uri"
CMP_REGISTERED_BY = "registered_by"

# CustomerMetadataProperties values: 1-256 chars of letters, numbers, spaces and _.:/=+-@
_CMP_ALLOWED = set(" _.:/=+-@")


class RegistryError(Exception):
    """The registry does not hold what the caller asked for."""


class VersionNotFound(RegistryError):
    """A model package version is not (or no longer) in its group."""


def cmp_value(value):
    """A string that CustomerMetadataProperties accepts (disallowed characters become _)."""
    text = str(value)
    text = "".join(c if c.isalnum() or c in _CMP_ALLOWED else "_" for c in text)
    return text[:256] or "_"


@SageMakerErrorHandler.list_error_handler("describe model package group {name}")
def describe_group(client, name):
    return client.describe_model_package_group(ModelPackageGroupName=name, aws_retry=True)


@SageMakerErrorHandler.common_error_handler("create model package group {name}")
def create_group(client, name, description=None, tags=None):
    params = {"ModelPackageGroupName": name}
    if description:
        params["ModelPackageGroupDescription"] = description
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    client.create_model_package_group(aws_retry=True, **params)
    return describe_group(client, name)


@SageMakerErrorHandler.deletion_error_handler("delete model package {arn}")
def delete_package(client, arn):
    """Delete one version (a versioned package by ARN); one already gone counts as deleted."""
    client.delete_model_package(ModelPackageName=arn, aws_retry=True)
    return True


@SageMakerErrorHandler.deletion_error_handler("delete model package group {name}")
def delete_group(client, name):
    """Delete an empty group (SageMaker refuses one that still holds versions); one already gone counts as deleted."""
    client.delete_model_package_group(ModelPackageGroupName=name, aws_retry=True)
    return True


@SageMakerErrorHandler.list_error_handler("list the versions of a model package group", [])
@RETRY
def _list_packages(client, **params):
    paginator = client.get_paginator("list_model_packages")
    return paginator.paginate(**params).build_full_result().get("ModelPackageSummaryList", [])


def list_versions(client, group, approval_status=None):
    """Summaries of the group's versions, oldest first."""
    params = {"ModelPackageGroupName": group, "ModelPackageType": "Versioned"}
    if approval_status:
        params["ModelApprovalStatus"] = approval_status
    summaries = _list_packages(client, **params)
    return sorted(summaries, key=lambda s: s.get("ModelPackageVersion") or 0)


@SageMakerErrorHandler.common_error_handler("describe model package {arn}")
def describe_package(client, arn):
    try:
        return client.describe_model_package(ModelPackageName=arn, aws_retry=True)
    except sagemaker_not_found() as e:
        raise VersionNotFound(f"model package {arn} no longer exists (deleted while we were reading it)") from e


def parse_version_selector(selector):
    """`7`, `latest` or `latest_approved`; anything else is an input error."""
    text = str(selector).strip()
    if text in ("latest", "latest_approved"):
        return text
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise RegistryError(f"version {selector!r} is not a version number, 'latest' or 'latest_approved'")


def find_version(client, group, selector):
    """Describe the version named by ``selector`` (a number, ``latest`` or ``latest_approved``)."""
    wanted = parse_version_selector(selector)
    summaries = list_versions(client, group)
    if not summaries:
        raise VersionNotFound(f"model package group {group} holds no versions")
    if wanted == "latest":
        chosen = summaries[-1]
    elif wanted == "latest_approved":
        approved = [s for s in summaries if s.get("ModelApprovalStatus") == "Approved"]
        if not approved:
            raise VersionNotFound(f"model package group {group} holds no Approved version")
        chosen = approved[-1]
    else:
        matching = [s for s in summaries if s.get("ModelPackageVersion") == wanted]
        if not matching:
            known = ", ".join(str(s.get("ModelPackageVersion")) for s in summaries)
            raise VersionNotFound(f"version {wanted} is not registered in {group} (versions: {known})")
        chosen = matching[0]
    return describe_package(client, chosen["ModelPackageArn"])


def next_version(summaries):
    return max([s.get("ModelPackageVersion") or 0 for s in summaries] + [0]) + 1


def find_by_sha256(client, group, model_sha256, summaries=None):
    """The described version whose model.onnx has this sha256, newest first; None if none has."""
    if summaries is None:
        summaries = list_versions(client, group)
    for summary in reversed(summaries):
        try:
            package = describe_package(client, summary["ModelPackageArn"])
        except VersionNotFound:
            continue  # deleted since the listing: it cannot be the one we look for
        if (package.get("CustomerMetadataProperties") or {}).get(CMP_MODEL_SHA256) == model_sha256:
            return package
    return None


@SageMakerErrorHandler.common_error_handler("set the approval status of {arn} to {status}")
def set_approval(client, arn, status, description=None):
    params = {"ModelPackageArn": arn, "ModelApprovalStatus": status}
    if description:
        params["ApprovalDescription"] = description[:1024]
    client.update_model_package(aws_retry=True, **params)


def metrics_of(package):
    """``{name: float}`` from the version's CustomerMetadataProperties."""
    metrics = {}
    for key, value in (package.get("CustomerMetadataProperties") or {}).items():
        if key.startswith(CMP_METRIC_PREFIX):
            try:
                metrics[key[len(CMP_METRIC_PREFIX):]] = float(value)
            except ValueError:
                continue
    return metrics


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def summarize(package, tags=None):
    """The snake_case view of a described model package that our modules return."""
    cmp = dict(package.get("CustomerMetadataProperties") or {})
    spec = package.get("InferenceSpecification") or {}
    container = (spec.get("Containers") or [{}])[0]
    statistics = ((package.get("ModelMetrics") or {}).get("ModelQuality") or {}).get("Statistics") or {}
    rows = cmp.get(CMP_DATASET_ROWS)
    summary = {
        "group": package.get("ModelPackageGroupName"),
        "version": package.get("ModelPackageVersion"),
        "model_package_arn": package.get("ModelPackageArn"),
        "approval_status": package.get("ModelApprovalStatus"),
        "approval_description": package.get("ApprovalDescription"),
        "status": package.get("ModelPackageStatus"),
        "description": package.get("ModelPackageDescription"),
        "creation_time": _iso(package.get("CreationTime")),
        "last_modified_time": _iso(package.get("LastModifiedTime")),
        "model_sha256": cmp.get(CMP_MODEL_SHA256),
        "bundle_sha256": cmp.get(CMP_BUNDLE_SHA256),
        "bundle_version": cmp.get(CMP_BUNDLE_VERSION),
        "model_type": cmp.get(CMP_MODEL_TYPE),
        "trained_at": cmp.get(CMP_CREATED_AT),
        "dataset": {
            "sha256": cmp.get(CMP_DATASET_SHA256),
            "rows": int(rows) if rows and rows.isdigit() else rows,
            "source": cmp.get(CMP_DATASET_SOURCE),
        },
        "metrics": metrics_of(package),
        "model_data_url": container.get("ModelDataUrl"),
        "image": container.get("Image"),
        "content_types": spec.get("SupportedContentTypes", []),
        "response_types": spec.get("SupportedResponseMIMETypes", []),
        "model_metrics_uri": statistics.get("S3Uri"),
        "drift_baseline_uri": cmp.get(CMP_DRIFT_BASELINE),
        "customer_metadata_properties": cmp,
    }
    if tags is not None:
        summary["tags"] = tags
    return summary


# The model store: each version's files under `<prefix>/<version>/` in S3, written once.

STORE_BUNDLE = "model.tar.gz"
STORE_METADATA = "metadata.json"
STORE_EVALUATION = "evaluation.json"
STORE_BASELINE = "baseline.json"
SHA_METADATA_KEY = "model-sha256"  # S3 user metadata: x-amz-meta-model-sha256


class ObjectExists(RegistryError):
    """An object we were about to write already exists: it is never overwritten."""


def clean_prefix(prefix):
    return (prefix or "").strip("/")


def version_key(prefix, version, name):
    return "/".join(p for p in (clean_prefix(prefix), str(version), name) if p)


def s3_uri(bucket, key):
    return f"s3://{bucket}/{key}"


def split_s3_uri(uri):
    if not uri or not uri.startswith("s3://") or "/" not in uri[5:]:
        raise RegistryError(f"{uri!r} is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


@S3ErrorHandler.list_error_handler("read s3://{bucket}/{key}")
def head_object(s3, bucket, key):
    return s3.head_object(Bucket=bucket, Key=key, aws_retry=True)


# S3 conditional writes (PutObject's IfNoneMatch) reached botocore's S3 model in 1.35.2; an older
# botocore refuses the parameter before sending anything (tests/collection/check_botocore_floor.py).
CONDITIONAL_WRITES_BOTOCORE = "1.35.2"


def require_conditional_writes(module):
    module.require_botocore_at_least(
        CONDITIONAL_WRITES_BOTOCORE, reason="to write registry objects without overwriting one (S3 IfNoneMatch)"
    )


@S3ErrorHandler.common_error_handler("write s3://{bucket}/{key}")
def put_new_object(s3, bucket, key, body, content_type, metadata):
    """Write an object only if the key is free (S3 conditional write, If-None-Match: *)."""
    try:
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type, Metadata=metadata, IfNoneMatch="*",
            aws_retry=True,
        )
    except is_boto3_error_code(["PreconditionFailed", "412", "ConditionalRequestConflict"]) as e:
        raise ObjectExists(f"{s3_uri(bucket, key)} already exists") from e
