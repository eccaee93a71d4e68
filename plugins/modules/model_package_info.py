#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: model_package_info
short_description: List the versions of a SageMaker model package group with their metrics and sha256
version_added: 0.1.0
description:
  - Lists the versions of a model package group registered by M(mlops.aws_deploy.model_package), with
    approval status, metrics, the sha256 of the model, dataset hash and artifact locations.
  - A group that does not exist is reported with C(exists=false) and no versions.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  group:
    description:
      - Name of the model package group.
    type: str
    required: true
    aliases: ['model_package_group_name']
  version:
    description:
      - Only this version, C(latest) or C(latest_approved).
    type: str
  approval_status:
    description:
      - Only versions with this approval status.
    type: str
    choices: ['PendingManualApproval', 'Approved', 'Rejected']
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List every version of the model
  mlops.aws_deploy.model_package_info:
    group: mobileml-model
  register: model_versions

- name: Read the newest approved version
  mlops.aws_deploy.model_package_info:
    group: mobileml-model
    version: latest_approved
  register: approved
"""

RETURN = r"""
exists:
  description: Whether the group exists.
  returned: always
  type: bool
  sample: true
group:
  description: The group.
  returned: when the group exists
  type: dict
  sample: {"name": "mobileml-model", "arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mobileml-model",
           "description": "mobileml model versions", "creation_time": "2026-11-01T12:00:00+00:00", "tags": {"Project": "mobileml"}}
next_version:
  description:
    - The number the next registration gets (the highest version plus one; 1 for a new group). Train a bundle with
      C(--version) set to it (see M(mlops.aws_deploy.model_package) O(mlops.aws_deploy.model_package#module:version_check)).
  returned: always
  type: int
  sample: 4
model_packages:
  description: The versions, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    version:
      description: Version number in the group.
      type: int
      sample: 3
    model_package_arn:
      description: ARN of the version.
      type: str
      sample: arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/3
    approval_status:
      description: Approval status.
      type: str
      sample: Approved
    approval_description:
      description: Who approved it and why, as recorded by model_promote.
      type: str
      sample: "approved by alice for prod: beats v2 on roc_auc"
    model_sha256:
      description: sha256 of model.onnx.
      type: str
      sample: 3f1c0a6e9d2b4c7a8e5f6d1b2c3a4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
    metrics:
      description: Evaluation metrics.
      type: dict
      sample: {"accuracy": 0.956, "f1": 0.965, "roc_auc": 0.994}
    dataset:
      description: Dataset hash, rows and source.
      type: dict
      sample: {"sha256": "5d41402abc4b2a76b9719d911017c592", "rows": 569, "source": "sklearn:breast_cancer"}
    model_data_url:
      description: S3 URI of the bundle.
      type: str
      sample: s3://mobileml-dev-models/models/3/model.tar.gz
    drift_baseline_uri:
      description: S3 URI of the drift baseline.
      type: str
      sample: s3://mobileml-dev-models/models/3/baseline.json
    creation_time:
      description: When the version was registered.
      type: str
      sample: "2026-11-01T12:00:00+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import get_tags


def main():
    argument_spec = dict(
        group=dict(type="str", required=True, aliases=["model_package_group_name"]),
        version=dict(type="str"),
        approval_status=dict(type="str", choices=list(registry.APPROVAL_STATUSES)),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    sagemaker = retries.client(module, "sagemaker")

    try:
        group = registry.describe_group(sagemaker, params["group"])
        if not group:
            module.exit_json(changed=False, exists=False, model_packages=[], next_version=1)
        summaries = registry.list_versions(sagemaker, params["group"])
        next_version = registry.next_version(summaries)
        if params["version"]:
            packages = [registry.find_version(sagemaker, params["group"], params["version"])]
            if params["approval_status"]:
                packages = [p for p in packages if p.get("ModelApprovalStatus") == params["approval_status"]]
        else:
            packages = []
            wanted = [s for s in summaries if not params["approval_status"] or s.get("ModelApprovalStatus") == params["approval_status"]]
            for summary in wanted:
                try:
                    packages.append(registry.describe_package(sagemaker, summary["ModelPackageArn"]))
                except registry.VersionNotFound:
                    continue  # deleted since the listing
        group_tags = get_tags(sagemaker, group["ModelPackageGroupArn"])
    except registry.RegistryError as e:
        module.fail_json(msg=str(e))
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to list the versions of model package group {params['group']}")

    creation = group.get("CreationTime")
    module.exit_json(
        changed=False,
        exists=True,
        next_version=next_version,
        group={
            "name": group["ModelPackageGroupName"],
            "arn": group["ModelPackageGroupArn"],
            "description": group.get("ModelPackageGroupDescription"),
            "creation_time": creation.isoformat() if hasattr(creation, "isoformat") else creation,
            "tags": group_tags,
        },
        model_packages=[registry.summarize(p) for p in packages],
    )


if __name__ == "__main__":
    main()
