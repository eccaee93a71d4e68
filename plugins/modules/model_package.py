#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: model_package
short_description: Register a trained model bundle as a version in a SageMaker model package group
version_added: 0.1.0
description:
  - Registers the bundle written by the ML service's training script (C(model.tar.gz) holding
    C(model.onnx) and C(metadata.json)) as a new version of a SageMaker model package group,
    creating the group when it is missing.
  - Verifies the bundle first. The sha256 of C(model.onnx) must equal C(model_sha256) in its
    C(metadata.json), otherwise nothing is uploaded or registered.
  - Uploads the bundle to the model store as C(<prefix>/<version>/model.tar.gz), with
    C(metadata.json), C(evaluation.json) (the metrics, referenced as the version's ModelMetrics) and
    C(baseline.json) (the per-feature drift baseline, referenced as its DriftCheckBaselines).
    Objects are written with S3 conditional writes and are never overwritten.
  - Records the artifact sha256, dataset hash, metrics, drift baseline location, inference image and
    content types on the version (ModelMetrics and CustomerMetadataProperties).
  - Idempotent by the sha256 of C(model.onnx); registering a bundle whose model is already in the
    group returns that version with C(changed=false).
  - The approval status is set only when a version is created; promotion (M(mlops.aws_deploy.model_promote))
    changes it afterwards.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  group:
    description:
      - Name of the model package group. Created when missing.
    type: str
    required: true
    aliases: ['model_package_group_name']
  group_description:
    description:
      - Description of the group, used when the module creates it.
    type: str
  bundle:
    description:
      - Path of the C(model.tar.gz) bundle on the controller.
    type: path
    required: true
  expected_sha256:
    description:
      - When set, the sha256 of C(model.onnx) must also equal this value.
    type: str
  bucket:
    description:
      - The model store bucket. The module does not create it.
    type: str
    required: true
  prefix:
    description:
      - Key prefix of the model store in O(bucket).
    type: str
    default: models
  image:
    description:
      - Inference image of the version (the ML service image).
    type: str
    required: true
  content_types:
    description:
      - Request content types the model accepts.
    type: list
    elements: str
    default: ['application/json']
  response_types:
    description:
      - Response MIME types the model produces.
    type: list
    elements: str
    default: ['application/json']
  instance_types:
    description:
      - Real-time inference instance types the version supports.
    type: list
    elements: str
  approval_status:
    description:
      - Approval status of a newly registered version.
    type: str
    default: PendingManualApproval
    choices: ['PendingManualApproval', 'Approved', 'Rejected']
  description:
    description:
      - Description of a newly registered version. By default one is built from the metadata.
    type: str
  version_check:
    description:
      - Register a new version only when the C(version) in the bundle's C(metadata.json) is the version number the
        group gives it (the highest version plus one). The ML service loads a bundle only when its metadata version is
        the version in its pointer, so train with C(--version) set to the next version
        (RV(mlops.aws_deploy.model_package_info#module:next_version)); C(playbooks/train_and_register.yml) does.
      - Set to V(false) for bundles that are never served by the ML service.
    type: bool
    default: true
notes:
  - O(tags) apply to the group and to the registered version; the version is created with them, and
    later runs bring both to these tags (O(purge_tags) as usual).
  - Support for check mode and diff mode. In check mode the returned C(plan) and C(model_package)
    show the version that would be registered; its number is predicted as the group's highest
    version plus one.
  - Version numbers come from SageMaker. A registration claims C(<prefix>/<version>/model.tar.gz) with a
    conditional write before creating the version, so two concurrent registrations cannot write the
    same version's files.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register the freshly trained bundle
  mlops.aws_deploy.model_package:
    group: mobileml-model
    bundle: /tmp/training/model.tar.gz
    bucket: mobileml-dev-models
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-dev/ml-model-service:abc123
    tags:
      Project: mobileml
  register: registered

- name: Show which version the bundle became
  ansible.builtin.debug:
    msg: "version {{ registered.model_package.version }} (sha256 {{ registered.model_package.model_sha256 }})"

- name: Register a bundle only if it is the model we expect
  mlops.aws_deploy.model_package:
    group: mobileml-model
    bundle: /tmp/training/model.tar.gz
    expected_sha256: 3f1c0a6e9d2b4c7a8e5f6d1b2c3a4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
    bucket: mobileml-dev-models
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-dev/ml-model-service:abc123
"""

RETURN = r"""
model_package:
  description: The registered version (or, in check mode, the version that would be registered).
  returned: always
  type: dict
  contains:
    group:
      description: Model package group name.
      type: str
      sample: mobileml-model
    version:
      description: Version number in the group.
      type: int
      sample: 3
    model_package_arn:
      description: ARN of the version (absent in check mode for a new version).
      type: str
      sample: arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/3
    approval_status:
      description: Approval status.
      type: str
      sample: PendingManualApproval
    model_sha256:
      description: sha256 of model.onnx, the identity of the model.
      type: str
      sample: 3f1c0a6e9d2b4c7a8e5f6d1b2c3a4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
    bundle_sha256:
      description: sha256 of the model.tar.gz object.
      type: str
      sample: 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b
    dataset:
      description: Dataset the model was trained on.
      type: dict
      sample: {"sha256": "5d41402abc4b2a76b9719d911017c592", "rows": 569, "source": "sklearn:breast_cancer"}
    metrics:
      description: Evaluation metrics of the bundle.
      type: dict
      sample: {"accuracy": 0.956, "f1": 0.965, "roc_auc": 0.994}
    model_data_url:
      description: S3 URI of the bundle.
      type: str
      sample: s3://mobileml-dev-models/models/3/model.tar.gz
    image:
      description: Inference image.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-dev/ml-model-service:abc123
    drift_baseline_uri:
      description: S3 URI of the per-feature drift baseline.
      type: str
      sample: s3://mobileml-dev-models/models/3/baseline.json
    model_metrics_uri:
      description: S3 URI of the evaluation statistics (ModelMetrics).
      type: str
      sample: s3://mobileml-dev-models/models/3/evaluation.json
    tags:
      description: Tags of the version.
      type: dict
      sample: {"Project": "mobileml"}
group:
  description: The model package group.
  returned: always
  type: dict
  sample: {"name": "mobileml-model", "arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mobileml-model",
           "tags": {"Project": "mobileml"}}
plan:
  description: What the module did or, in check mode, would do.
  returned: always
  type: dict
  sample:
    group: {"name": "mobileml-model", "action": "none"}
    version: {"action": "register", "version": 3, "model_sha256": "3f1c0a6e..."}
    objects:
      - {"uri": "s3://mobileml-dev-models/models/3/model.tar.gz", "action": "upload"}
    tags: {"group": {"add": {}, "remove": []}, "version": {"add": {}, "remove": []}}
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.bundle import BundleError
from ansible_collections.mlops.aws_deploy.plugins.module_utils.bundle import read_bundle
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import apply_tags
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import get_tags
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import tag_plan

GENERATED_BY = "mlops.aws_deploy.model_package"
MAX_CLAIM_ATTEMPTS = 5


def store_files(bundle):
    """The objects a version owns in the model store: name -> (body, content type)."""
    metrics = bundle.metrics
    kind = "binary_classification_metrics" if len(bundle.metadata["classes"]) == 2 else "multiclass_classification_metrics"
    evaluation = {kind: {name: {"value": value, "standard_deviation": "NaN"} for name, value in sorted(metrics.items())}}
    baseline = {"feature_names": bundle.metadata["feature_names"], "histograms": bundle.baseline or {}}
    return {
        registry.STORE_BUNDLE: (bundle.data, "application/gzip"),
        registry.STORE_METADATA: (bundle.metadata_bytes, "application/json"),
        registry.STORE_EVALUATION: ((json.dumps(evaluation, indent=2, sort_keys=True) + "\n").encode(), "application/json"),
        registry.STORE_BASELINE: ((json.dumps(baseline, sort_keys=True) + "\n").encode(), "application/json"),
    }


def customer_metadata(bundle, baseline_uri):
    dataset = bundle.dataset
    properties = {
        registry.CMP_MODEL_SHA256: bundle.model_sha256,
        registry.CMP_BUNDLE_SHA256: bundle.bundle_sha256,
        registry.CMP_DATASET_SHA256: dataset.get("sha256"),
        registry.CMP_DATASET_ROWS: dataset.get("rows"),
        registry.CMP_DATASET_SOURCE: dataset.get("source"),
        registry.CMP_MODEL_TYPE: bundle.metadata.get("model_type"),
        registry.CMP_BUNDLE_VERSION: bundle.metadata.get("version"),
        registry.CMP_CREATED_AT: bundle.metadata.get("created_at"),
        registry.CMP_DRIFT_BASELINE: baseline_uri,
        registry.CMP_REGISTERED_BY: GENERATED_BY,
    }
    for name, value in bundle.metrics.items():
        properties[registry.CMP_METRIC_PREFIX + registry.cmp_value(name)] = repr(float(value))
    return {key: registry.cmp_value(value) for key, value in properties.items() if value not in (None, "")}


def package_request(params, bundle, version):
    bucket, prefix = params["bucket"], params["prefix"]

    def uri(name):
        return registry.s3_uri(bucket, registry.version_key(prefix, version, name))

    spec = {
        "Containers": [{"Image": params["image"], "ModelDataUrl": uri(registry.STORE_BUNDLE)}],
        "SupportedContentTypes": params["content_types"],
        "SupportedResponseMIMETypes": params["response_types"],
    }
    if params["instance_types"]:
        spec["SupportedRealtimeInferenceInstanceTypes"] = params["instance_types"]
    dataset = bundle.dataset
    description = params["description"] or (
        f"{bundle.metadata.get('model_type')} model trained on {dataset.get('source')} "
        f"({dataset.get('rows')} rows, dataset sha256 {dataset.get('sha256')})"
    )
    request = {
        "ModelPackageGroupName": params["group"],
        "ModelPackageDescription": description[:1024],
        "InferenceSpecification": spec,
        "ModelApprovalStatus": params["approval_status"],
        "ModelMetrics": {
            "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": uri(registry.STORE_EVALUATION)}}
        },
        "DriftCheckBaselines": {
            "ModelDataQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": uri(registry.STORE_BASELINE)}
            }
        },
        "MetadataProperties": {"GeneratedBy": GENERATED_BY},
        "CustomerMetadataProperties": customer_metadata(bundle, uri(registry.STORE_BASELINE)),
        # Retries of this very call return the same version instead of registering twice.
        "ClientToken": f"{bundle.model_sha256[:28]}-v{version}",
    }
    if params["tags"]:
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def plan_objects(s3, params, bundle, version):
    """Which of the version's objects to upload; fail on a foreign object (never overwritten)."""
    planned = []
    for name in store_files(bundle):
        key = registry.version_key(params["prefix"], version, name)
        head = registry.head_object(s3, params["bucket"], key)
        if head is None:
            action = "upload"
        elif (head.get("Metadata") or {}).get(registry.SHA_METADATA_KEY) == bundle.model_sha256:
            action = "keep"  # left by an interrupted registration of this same model
        else:
            raise registry.ObjectExists(
                f"{registry.s3_uri(params['bucket'], key)} already exists and holds another model, but version "
                f"{version} is not registered in {params['group']}; it is never overwritten: remove it or find "
                "out who wrote it"
            )
        planned.append({"name": name, "key": key, "uri": registry.s3_uri(params["bucket"], key), "action": action})
    return planned


def upload_objects(s3, params, bundle, planned):
    files = store_files(bundle)
    metadata = {registry.SHA_METADATA_KEY: bundle.model_sha256, "bundle-sha256": bundle.bundle_sha256}
    for entry in planned:
        if entry["action"] == "upload":
            body, content_type = files[entry["name"]]
            registry.put_new_object(s3, params["bucket"], entry["key"], body, content_type, metadata)


class RegistrationRun:
    """One run of the module: the bundle, the registry's current state, the plan (as data), apply, result."""

    def __init__(self, module, bundle):
        self.module = module
        self.params = module.params
        self.bundle = bundle
        self.sagemaker = retries.client(module, "sagemaker")
        self.s3 = retries.client(module, "s3")
        self.current = {}
        self.plan = {}

    # -- current state -----------------------------------------------------------------------

    def read_current(self):
        """The group, its versions, the version that already holds this model (if any), their tags."""
        params = self.params
        group = registry.describe_group(self.sagemaker, params["group"])
        summaries = registry.list_versions(self.sagemaker, params["group"]) if group else []
        existing = registry.find_by_sha256(self.sagemaker, params["group"], self.bundle.model_sha256, summaries) if group else None
        self.current = {
            "group": group,
            "summaries": summaries,
            "existing": existing,
            "group_tags": get_tags(self.sagemaker, group["ModelPackageGroupArn"]) if group else {},
            "version_tags": get_tags(self.sagemaker, existing["ModelPackageArn"]) if existing else {},
        }

    # -- plan --------------------------------------------------------------------------------

    def make_plan(self):
        params, current, bundle = self.params, self.current, self.bundle
        group, existing = current["group"], current["existing"]
        no_tags = {"add": {}, "remove": []}
        self.plan = {
            "group": {"name": params["group"], "action": "none" if group else "create"},
            "tags": {
                "group": tag_plan(current["group_tags"], params["tags"], params["purge_tags"]) if group else no_tags,
                "version": tag_plan(current["version_tags"], params["tags"], params["purge_tags"]) if existing else no_tags,
            },
        }
        if existing:
            self.plan["version"] = {"action": "none", "version": existing["ModelPackageVersion"], "model_sha256": bundle.model_sha256}
            self.plan["objects"] = []
        else:
            version = registry.next_version(current["summaries"])
            self.plan["version"] = {"action": "register", "version": version, "model_sha256": bundle.model_sha256}
            self.check_version(version)
            self.plan["objects"] = plan_objects(self.s3, params, bundle, version)

    def tag_changes(self):
        return any(t["add"] or t["remove"] for t in self.plan["tags"].values())

    def changed(self):
        return self.plan["group"]["action"] != "none" or self.plan["version"]["action"] != "none" or self.tag_changes()

    def check_version(self, version):
        declared = str(self.bundle.metadata.get("version"))
        if self.params["version_check"] and declared != str(version):
            self.module.fail_json(
                msg=(
                    f"The bundle declares version {declared} but would be registered as version {version} of "
                    f"{self.params['group']}; the ML service only loads a bundle whose metadata version is its "
                    f"pointer's version: train it with --version {version} (or set version_check=false)"
                ),
                plan=self.plan,
            )

    # -- apply -------------------------------------------------------------------------------

    def apply(self):
        """Create the group or bring its tags, then register the version (or tag the existing one)."""
        params, plan, current = self.params, self.plan, self.current
        group, existing = current["group"], current["existing"]
        if not group:
            group = registry.create_group(self.sagemaker, params["group"], params["group_description"], params["tags"])
        elif plan["tags"]["group"]["add"] or plan["tags"]["group"]["remove"]:
            apply_tags(self.sagemaker, group["ModelPackageGroupArn"], plan["tags"]["group"])
        if existing:
            apply_tags(self.sagemaker, existing["ModelPackageArn"], plan["tags"]["version"])
            package = existing
        else:
            package = self.register()
        group_tags = get_tags(self.sagemaker, group["ModelPackageGroupArn"])
        version_tags = get_tags(self.sagemaker, package["ModelPackageArn"])
        if existing and self.tag_changes():
            package = registry.describe_package(self.sagemaker, package["ModelPackageArn"])
        return group, package, group_tags, version_tags

    def register(self):
        """Claim the next version's files, then create the version. Returns the described package."""
        params, plan = self.params, self.plan
        for _attempt in range(MAX_CLAIM_ATTEMPTS):
            version = plan["version"]["version"]
            try:
                upload_objects(self.s3, params, self.bundle, plan["objects"])
            except registry.ObjectExists:
                # Another registration claimed this version number between our plan and our write.
                summaries = registry.list_versions(self.sagemaker, params["group"])
                version = max(version + 1, registry.next_version(summaries))
                plan["version"]["version"] = version
                self.check_version(version)
                plan["objects"] = plan_objects(self.s3, params, self.bundle, version)
                continue
            request = package_request(params, self.bundle, version)
            arn = self.sagemaker.create_model_package(aws_retry=True, **request)["ModelPackageArn"]
            package = registry.describe_package(self.sagemaker, arn)
            if package.get("ModelPackageVersion") != version:
                self.module.fail_json(
                    msg=(
                        f"SageMaker registered the bundle as version {package.get('ModelPackageVersion')} of "
                        f"{params['group']}, but its files were written for version {version}: something registered "
                        "into the group without claiming the version's files first"
                    ),
                    changed=True,
                    model_package=registry.summarize(package),
                )
            return package
        self.module.fail_json(msg=f"Could not claim a version number in {params['group']} after {MAX_CLAIM_ATTEMPTS} attempts")

    # -- result --------------------------------------------------------------------------------

    def planned_after(self, before):
        """The version as the plan leaves it (check mode)."""
        existing, version_tags = self.current["existing"], self.current["version_tags"]
        if existing:
            after = dict(before, tags=dict(version_tags, **self.plan["tags"]["version"]["add"]))
            for key in self.plan["tags"]["version"]["remove"]:
                after["tags"].pop(key, None)
            return after
        version = self.plan["version"]["version"]
        request = package_request(self.params, self.bundle, version)
        after = registry.summarize(dict(request, ModelPackageVersion=version, ModelPackageGroupName=self.params["group"]))
        after["tags"] = self.params["tags"] or {}
        return after

    def run(self):
        params, module = self.params, self.module
        try:
            self.read_current()
        except errors.AWS_ERRORS as e:
            errors.fail(module, e, msg=f"Failed to read model package group {params['group']}")
        try:
            self.make_plan()
        except registry.ObjectExists as e:
            module.fail_json(msg=str(e), plan=self.plan)
        except errors.AWS_ERRORS as e:
            errors.fail(module, e, msg=f"Failed to inspect the model store s3://{params['bucket']}/{params['prefix']}")
        existing = self.current["existing"]
        before = registry.summarize(existing, self.current["version_tags"]) if existing else {}
        if module.check_mode:
            group = self.current["group"]
            after = self.planned_after(before)
            group_view = {"name": params["group"], "arn": group["ModelPackageGroupArn"] if group else None,
                          "tags": self.current["group_tags"]}
        else:
            try:
                group, package, group_tags, version_tags = self.apply()
            except registry.RegistryError as e:
                module.fail_json(msg=str(e), plan=self.plan, changed=True)
            except errors.AWS_ERRORS as e:
                errors.fail(module, e, msg=f"Failed to register {params['bundle']} in model package group {params['group']}")
            after = registry.summarize(package, version_tags)
            group_view = {"name": params["group"], "arn": group["ModelPackageGroupArn"], "tags": group_tags}
        result = dict(changed=self.changed(), plan=self.plan, model_package=after, group=group_view)
        if module._diff:
            result["diff"] = {"before": before, "after": after}
        module.exit_json(**result)


def main():
    argument_spec = dict(
        group=dict(type="str", required=True, aliases=["model_package_group_name"]),
        group_description=dict(type="str"),
        bundle=dict(type="path", required=True),
        expected_sha256=dict(type="str"),
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default="models"),
        image=dict(type="str", required=True),
        content_types=dict(type="list", elements="str", default=["application/json"]),
        response_types=dict(type="list", elements="str", default=["application/json"]),
        instance_types=dict(type="list", elements="str"),
        approval_status=dict(type="str", default="PendingManualApproval", choices=list(registry.APPROVAL_STATUSES)),
        description=dict(type="str"),
        version_check=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    registry.require_conditional_writes(module)
    params = module.params
    params["prefix"] = registry.clean_prefix(params["prefix"])

    # Arguments: the bundle is verified before any AWS call.
    try:
        bundle = read_bundle(params["bundle"], params["expected_sha256"])
    except BundleError as e:
        module.fail_json(msg=f"Refusing to register {params['bundle']}: {e}")
    RegistrationRun(module, bundle).run()


if __name__ == "__main__":
    main()
