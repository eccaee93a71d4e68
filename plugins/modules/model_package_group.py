#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: model_package_group
short_description: Create or delete a SageMaker model package group (the model registry), with its versions
version_added: 0.3.0
description:
  - With O(state=present), creates the model package group when it is missing and brings its tags.
    M(mlops.aws_deploy.model_package) also creates the group when it registers the first version; this module is
    for creating it ahead of that, and for removing it.
  - With O(state=absent), deletes the group. SageMaker refuses to delete a group that still holds versions, and a
    version is a model, so the module refuses too, naming them, unless O(delete_versions=true), which first deletes
    every version (every approval status), waits until SageMaker no longer lists them (O(wait)), then deletes the
    group. The bundles in the model store (S3) are not touched.
  - A group that does not exist is already absent (C(changed=false)).
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  name:
    description:
      - Name of the model package group.
    type: str
    required: true
    aliases: ['group', 'model_package_group_name']
  state:
    description:
      - Whether the group should exist.
    type: str
    default: present
    choices: ['present', 'absent']
  description:
    description:
      - Description of the group, used when the module creates it (SageMaker cannot change it afterwards).
    type: str
  delete_versions:
    description:
      - With O(state=absent), delete every version of the group first. Without it a group that holds versions is
        not deleted and the module fails, naming them.
    type: bool
    default: false
  wait:
    description:
      - With O(state=absent), wait until the deleted versions are no longer listed before deleting the group.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the deleted versions to go.
    type: int
    default: 300
notes:
  - Support for check mode and diff mode. In check mode the returned C(plan) lists what would be created or deleted
    and no change is made.
  - O(tags) and O(purge_tags) apply with O(state=present) only.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the model registry of the app
  mlops.aws_deploy.model_package_group:
    name: mobileml-model
    description: mobileml model versions
    tags:
      Project: mobileml

- name: Delete the model registry with every version in it (the models are gone for good)
  mlops.aws_deploy.model_package_group:
    name: mobileml-model
    state: absent
    delete_versions: true
  register: removed

- name: Show which versions were deleted
  ansible.builtin.debug:
    msg: "{{ removed.plan.versions | map(attribute='version') | list }}"
"""

RETURN = r"""
group:
  description: The group after the run (in check mode, as the plan leaves it); C(exists) is false once it is deleted.
  returned: always
  type: dict
  sample: {"name": "mobileml-model", "exists": true,
           "arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mobileml-model",
           "tags": {"Project": "mobileml"}, "versions": [1, 2, 3]}
plan:
  description: What the module did or, in check mode, would do.
  returned: always
  type: dict
  contains:
    group:
      description: V(create), V(delete) or V(none).
      type: str
      sample: delete
    versions:
      description: The versions deleted (or to delete), oldest first.
      type: list
      elements: dict
      sample: [{"version": 1, "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/1",
                "approval_status": "Approved"}]
    tags:
      description: Tags to add and to remove.
      type: dict
      sample: {"add": {"Project": "mobileml"}, "remove": []}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import Clock
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import apply_tags
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import get_tags
from ansible_collections.mlops.aws_deploy.plugins.module_utils.sagemaker import tag_plan
from ansible_collections.mlops.aws_deploy.plugins.module_utils.waiters import poll
from ansible_collections.mlops.aws_deploy.plugins.module_utils.waiters import throttling_note

POLL_DELAY = 5


def read_current(client, name):
    """The group (None when missing), its versions oldest first and its tags."""
    group = registry.describe_group(client, name)
    if not group:
        return {"group": None, "versions": [], "tags": {}}
    return {
        "group": group,
        "versions": registry.list_versions(client, name),
        "tags": get_tags(client, group["ModelPackageGroupArn"]),
    }


def version_view(summary):
    return {
        "version": summary.get("ModelPackageVersion"),
        "model_package_arn": summary["ModelPackageArn"],
        "approval_status": summary.get("ModelApprovalStatus"),
    }


def make_plan(params, current):
    """The plan as plain data; raises registry.RegistryError for a delete the module must refuse."""
    group, versions = current["group"], current["versions"]
    no_tags = {"add": {}, "remove": []}
    if params["state"] == "present":
        tags = tag_plan(current["tags"], params["tags"], params["purge_tags"]) if group else no_tags
        return {"group": "none" if group else "create", "versions": [], "tags": tags}
    if not group:
        return {"group": "none", "versions": [], "tags": no_tags}
    if versions and not params["delete_versions"]:
        numbers = ", ".join(str(v.get("ModelPackageVersion")) for v in versions)
        raise registry.RegistryError(
            f"model package group {params['name']} still holds {len(versions)} version(s) ({numbers}); they are "
            "models and are not deleted unless asked: set delete_versions=true to delete them with the group"
        )
    return {"group": "delete", "versions": [version_view(v) for v in versions], "tags": no_tags}


def wait_until_empty(module, client, name):
    """Poll until SageMaker no longer lists any version of the group (bounded by wait_timeout)."""

    def probe():
        left = registry.list_versions(client, name)
        return not left, [v.get("ModelPackageVersion") for v in left]

    result = poll(Clock(), module.params["wait_timeout"], POLL_DELAY, probe, retries.extra_codes("sagemaker"))
    if not result["done"]:
        module.fail_json(
            msg=(
                f"Timed out after {module.params['wait_timeout']} s waiting for the versions of model package group "
                f"{name} to be deleted; still listed: {result['observation']}{throttling_note(result)}"
            ),
            changed=True,
        )


def apply(module, client, params, plan, current):
    name = params["name"]
    if plan["group"] == "create":
        registry.create_group(client, name, params["description"], params["tags"])
    elif plan["group"] == "delete":
        for version in plan["versions"]:
            registry.delete_package(client, version["model_package_arn"])
        if plan["versions"] and params["wait"]:
            wait_until_empty(module, client, name)
        registry.delete_group(client, name)
    elif plan["tags"]["add"] or plan["tags"]["remove"]:
        apply_tags(client, current["group"]["ModelPackageGroupArn"], plan["tags"])


def group_view(name, current):
    group = current["group"]
    if not group:
        return {"name": name, "exists": False}
    return {
        "name": name,
        "exists": True,
        "arn": group["ModelPackageGroupArn"],
        "tags": current["tags"],
        "versions": [v.get("ModelPackageVersion") for v in current["versions"]],
    }


def planned_view(name, before, plan, params):
    """The group as the plan leaves it (check mode)."""
    if plan["group"] == "delete":
        return {"name": name, "exists": False}
    if plan["group"] == "create":
        return {"name": name, "exists": True, "arn": None, "tags": params["tags"] or {}, "versions": []}
    tags = dict(before.get("tags", {}), **plan["tags"]["add"])
    for key in plan["tags"]["remove"]:
        tags.pop(key, None)
    return dict(before, tags=tags) if before["exists"] else before


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["group", "model_package_group_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        delete_versions=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    name = params["name"]
    if params["wait_timeout"] < 0:
        module.fail_json(msg=f"wait_timeout: {params['wait_timeout']} is negative; give a number of seconds")
    client = retries.client(module, "sagemaker")

    # Current state, then the plan.
    try:
        current = read_current(client, name)
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read model package group {name}")
    before = group_view(name, current)
    try:
        plan = make_plan(params, current)
    except registry.RegistryError as e:
        module.fail_json(msg=str(e), group=before)
    changed = plan["group"] != "none" or bool(plan["tags"]["add"] or plan["tags"]["remove"])

    # Apply, then read back what is there.
    if module.check_mode or not changed:
        after = planned_view(name, before, plan, params)
    else:
        try:
            apply(module, client, params, plan, current)
            after = group_view(name, read_current(client, name))
        except errors.AWS_ERRORS as e:
            errors.fail(
                module,
                e,
                msg=f"Failed to {'delete' if plan['group'] == 'delete' else 'update'} model package group {name}",
                plan=plan,
                changed=True,
            )
    result = dict(changed=changed, plan=plan, group=after)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
