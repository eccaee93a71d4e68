#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: application_autoscaling_target
short_description: Register or deregister Application Auto Scaling scalable targets
version_added: 0.1.0
description:
  - Registers scalable targets (an ECS service's desired count, a SageMaker variant's instance count...) with
    their capacity bounds, or deregisters them, which also deletes their scaling policies and scheduled actions.
  - M(community.aws.application_autoscaling_policy) registers a target as part of a policy, but its
    O(community.aws.application_autoscaling_policy#module:state=absent) deletes only the policy and leaves the
    target registered; no collection deregisters one. Removing a service without deregistering its target
    leaves Application Auto Scaling managing a resource that is gone.
  - Idempotent; in check mode the plan is returned without a mutating call; C(--diff) shows the targets before
    and after.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  service_namespace:
    description:
      - The namespace of the scaled resources.
    type: str
    required: true
    choices: ['ecs', 'elasticmapreduce', 'ec2', 'appstream', 'dynamodb', 'rds', 'sagemaker', 'custom-resource',
              'comprehend', 'lambda', 'cassandra', 'kafka', 'elasticache', 'neptune', 'workspaces']
  resource_ids:
    description:
      - The scaled resources, for example V(service/<cluster>/<service>) for an ECS service.
      - With O(state=absent) a resource that is not registered is skipped.
    type: list
    elements: str
    required: true
  scalable_dimension:
    description:
      - What scales, for example V(ecs:service:DesiredCount).
    type: str
    required: true
  min_capacity:
    description:
      - The lowest capacity autoscaling may set. Required with O(state=present).
    type: int
  max_capacity:
    description:
      - The highest capacity autoscaling may set. Required with O(state=present).
    type: int
  state:
    description:
      - V(present) registers the targets with these bounds (or updates their bounds); V(absent) deregisters them.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Stop scaling both colours of a service that is being removed
  mlops.aws_deploy.application_autoscaling_target:
    service_namespace: ecs
    scalable_dimension: ecs:service:DesiredCount
    resource_ids:
      - service/mobileml-prod/mobileml-prod-backend-blue
      - service/mobileml-prod/mobileml-prod-backend-green
    state: absent

- name: Let autoscaling keep a SageMaker variant between 2 and 8 instances
  mlops.aws_deploy.application_autoscaling_target:
    service_namespace: sagemaker
    scalable_dimension: sagemaker:variant:DesiredInstanceCount
    resource_ids: [endpoint/mobileml-prod-model/variant/main]
    min_capacity: 2
    max_capacity: 8
"""

RETURN = r"""
plan:
  description: The steps this run made (or in check mode would make), in order. Empty when nothing changes.
  returned: always
  type: list
  elements: dict
  sample:
    - action: deregister_scalable_target
      resource_id: service/mobileml-prod/mobileml-prod-backend-blue
    - action: register_scalable_target
      resource_id: endpoint/mobileml-prod-model/variant/main
      min_capacity: 2
      max_capacity: 8
scalable_targets:
  description: The targets of O(resource_ids) that are registered after the run (before it, in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - resource_id: endpoint/mobileml-prod-model/variant/main
      scalable_dimension: sagemaker:variant:DesiredInstanceCount
      min_capacity: 2
      max_capacity: 8
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.autoscaling import SERVICE_NAMESPACES
from ansible_collections.mlops.aws_deploy.plugins.module_utils.autoscaling import read_targets


def target_view(target):
    return {
        "resource_id": target["ResourceId"],
        "scalable_dimension": target["ScalableDimension"],
        "min_capacity": target["MinCapacity"],
        "max_capacity": target["MaxCapacity"],
    }


def plan(params, registered):
    steps = []
    for resource in params["resource_ids"]:
        current = registered.get(resource)
        if params["state"] == "absent":
            if current:
                steps.append({"action": "deregister_scalable_target", "resource_id": resource})
        elif current is None or (current["min_capacity"], current["max_capacity"]) != (
            params["min_capacity"],
            params["max_capacity"],
        ):
            steps.append(
                {
                    "action": "register_scalable_target",
                    "resource_id": resource,
                    "min_capacity": params["min_capacity"],
                    "max_capacity": params["max_capacity"],
                }
            )
    return steps


def apply(client, params, step):
    target = {
        "ServiceNamespace": params["service_namespace"],
        "ResourceId": step["resource_id"],
        "ScalableDimension": params["scalable_dimension"],
    }
    if step["action"] == "deregister_scalable_target":
        client.deregister_scalable_target(aws_retry=True, **target)
    else:
        client.register_scalable_target(
            MinCapacity=step["min_capacity"], MaxCapacity=step["max_capacity"], aws_retry=True, **target
        )


def check_arguments(module):
    params = module.params
    if params["state"] != "present":
        return
    for field in ("min_capacity", "max_capacity"):
        if params[field] is None:
            module.fail_json(msg=f"{field}: required with state=present.")
        if params[field] < 0:
            module.fail_json(msg=f"{field}: {params[field]} is negative; capacities are 0 or more.")
    if params["max_capacity"] < params["min_capacity"]:
        module.fail_json(
            msg=f"max_capacity: {params['max_capacity']} is below min_capacity {params['min_capacity']}."
        )


def main():
    argument_spec = dict(
        service_namespace=dict(
            type="str",
            required=True,
            choices=list(SERVICE_NAMESPACES),
        ),
        resource_ids=dict(type="list", elements="str", required=True),
        scalable_dimension=dict(type="str", required=True),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    check_arguments(module)
    params = module.params
    result = {"changed": False, "plan": [], "scalable_targets": []}
    if not params["resource_ids"]:
        module.exit_json(**result)

    client = retries.client(module, "application-autoscaling")
    namespace, dimension = params["service_namespace"], params["scalable_dimension"]
    try:
        registered = {
            t["ResourceId"]: target_view(t) for t in read_targets(client, namespace, params["resource_ids"], dimension)
        }
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read the scalable targets of namespace {namespace}")
    steps = plan(params, registered)
    result.update(changed=bool(steps), plan=steps)
    before = [registered[r] for r in params["resource_ids"] if r in registered]
    if not module.check_mode:
        for step in steps:
            try:
                apply(client, params, step)
            except errors.AWS_ERRORS as e:
                errors.fail(
                    module, e, msg=f"Failed to {step['action'].replace('_', ' ')} {step['resource_id']}", **result
                )
        if steps:
            registered = {
                t["ResourceId"]: target_view(t) for t in read_targets(client, namespace, params["resource_ids"], dimension)
            }
    result["scalable_targets"] = [registered[r] for r in params["resource_ids"] if r in registered]
    if module._diff:
        result["diff"] = {"before": {"scalable_targets": before}, "after": {"scalable_targets": _after(params, before, steps)}}
    module.exit_json(**result)


def _after(params, before, steps):
    """The targets as the plan leaves them (what --diff shows, also in check mode)."""
    targets = {t["resource_id"]: dict(t) for t in before}
    for step in steps:
        if step["action"] == "deregister_scalable_target":
            targets.pop(step["resource_id"], None)
        else:
            targets[step["resource_id"]] = {
                "resource_id": step["resource_id"],
                "scalable_dimension": params["scalable_dimension"],
                "min_capacity": step["min_capacity"],
                "max_capacity": step["max_capacity"],
            }
    return [targets[r] for r in params["resource_ids"] if r in targets]


if __name__ == "__main__":
    main()
