#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_blue_green_info
version_added: 0.1.0
short_description: Live colour, weights, task definitions and target health of a blue/green ECS service
description:
  - Reads the state that M(mlops.aws_deploy.ecs_blue_green) works from, without changing anything -
    the live colour (the one the listener rule sends most traffic to), the rule's weights, and for
    each colour its ECS service, task definition, desired and running counts, containers, target
    health and whether it carries the Application Auto Scaling scalable target.
  - A colour is healthy when its target group has at least
    C(ceil(desired_count * min_healthy_percent / 100)) targets in state C(healthy) and none in
    state C(unhealthy), as in M(mlops.aws_deploy.ecs_blue_green).
  - Also reports the rollout's records on the listener rule - the step a deployment is watching
    (RV(progress)) and who holds the rollout's lock until when (RV(lock)).
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  min_healthy_percent:
    description:
      - Healthy targets needed for C(health.ok) of each colour in RV(colors), as a percent of the desired count.
    type: int
    default: 100
extends_documentation_fragment:
  - mlops.aws_deploy.blue_green_service
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the blue/green state of the backend
  mlops.aws_deploy.ecs_blue_green_info:
    cluster: mobileml-prod
    service: mobileml-prod-backend
  register: backend

- name: Say which colour is live
  ansible.builtin.debug:
    msg: "{{ backend.live_color }} runs {{ backend.colors[backend.live_color].task_definition }}"
"""

RETURN = r"""
live_color:
  description: The colour the listener rule sends most traffic to (blue on an exact split).
  returned: always
  type: str
  sample: blue
idle_color:
  description: The other colour.
  returned: always
  type: str
  sample: green
previous_color:
  description: The colour that served before the last shift began (recorded on the rule), if any.
  returned: always
  type: str
  sample: green
weights:
  description: Percent of the rule's traffic per colour.
  returned: always
  type: dict
  sample: {"blue": 100, "green": 0}
shifting:
  description: Whether traffic is split between the colours (a shift is in progress or was interrupted).
  returned: always
  type: bool
  sample: false
progress:
  description:
    - The step a deployment is watching, recorded on the listener rule from the moment its weights
      are set until its watch passed; C(null) when no deployment is under way (or it ended).
    - C(step) is the percent of traffic on C(color), or C(rollback) while a failed deployment moves
      traffic back; C(started) and C(hold) say until when the step must be watched.
  returned: always
  type: dict
  sample: {"step": 100, "color": "green", "task_definition": "mobileml-prod-backend:42",
           "started": "2026-11-23T15:34:33Z", "hold": 300}
lock:
  description:
    - Who holds the rollout's lock (host/process/random id) and until when (C(expires)), and whether
      it is still held (C(held)); C(null) when no run holds it.
  returned: always
  type: dict
  sample: {"owner": "ci-runner-7/4242/0f3a9c1e", "expires": "2026-11-23T15:36:33Z", "held": true}
listener_rule_arn:
  description: ARN of the listener rule.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/mobileml-prod/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
task_definition:
  description: ARN of the task definition of the live colour.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:41
colors:
  description: Each colour's service, task definition, counts, containers and target health.
  returned: always
  type: dict
  contains:
    blue:
      description: The blue colour (green has the same keys).
      type: dict
      sample:
        service_name: mobileml-prod-backend-blue
        service_arn: arn:aws:ecs:us-east-1:123456789012:service/mobileml-prod/mobileml-prod-backend-blue
        task_definition: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:41
        family: mobileml-prod-backend
        revision: 41
        desired_count: 3
        running_count: 3
        pending_count: 0
        weight: 100
        target_group_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mobileml-prod-backend-blue/3a4b5c6d7e8f9012
        target_group_name: mobileml-prod-backend-blue
        containers:
          - {"name": "backend-api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-prod/backend-api:abc123"}
        health: {"healthy": 3, "required": 3, "registered": 3, "ok": true}
        targets:
          - {"id": "10.0.1.17", "port": 8000, "state": "healthy", "reason": null}
        autoscaling: {"min_capacity": 2, "max_capacity": 10, "policies": ["cpu-target-tracking"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule  # noqa: E402

from ansible_collections.mlops.aws_deploy.plugins.module_utils import ecs as ecs_utils  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import traffic  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import BlueGreenError  # noqa: E402


def describe_color(clients, current, color, min_healthy_percent):
    service = current["services"][color]
    task_definition = current["task_definitions"][color]
    group = current["target_groups"][color]
    targets = traffic.target_health(clients["elbv2"], group["arn"])
    required = rollout.required_healthy(service["desired_count"], min_healthy_percent)
    scaling = current["scaling"][color]
    autoscaling = None
    if scaling["target"]:
        autoscaling = {
            "min_capacity": scaling["target"]["MinCapacity"],
            "max_capacity": scaling["target"]["MaxCapacity"],
            "policies": [p["PolicyName"] for p in scaling["policies"]],
        }
    return {
        "service_name": service["service_name"],
        "service_arn": service["service_arn"],
        "task_definition": service["task_definition"],
        "family": task_definition["family"],
        "revision": task_definition["revision"],
        "desired_count": service["desired_count"],
        "running_count": service["running_count"],
        "pending_count": service["pending_count"],
        "weight": current["weights"][color],
        "target_group_arn": group["arn"],
        "target_group_name": group["name"],
        "containers": [{"name": c["name"], "image": c.get("image")} for c in task_definition.get("containerDefinitions", [])],
        "health": traffic.assess_health(targets, required),
        "targets": targets,
        "autoscaling": autoscaling,
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(ecs_utils.selection_argument_spec(), min_healthy_percent=dict(type="int", default=100)),
        supports_check_mode=True,
        mutually_exclusive=ecs_utils.SELECTION_MUTUALLY_EXCLUSIVE,
        required_together=ecs_utils.SELECTION_REQUIRED_TOGETHER,
    )
    params = module.params
    clients = traffic.Clients(module)
    try:
        current = ecs_utils.describe_selected(clients, params)
        colors = {c: describe_color(clients, current, c, params["min_healthy_percent"]) for c in rollout.COLORS}
    except BlueGreenError as e:
        module.fail_json(msg=str(e))
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read the blue/green state of {params['service']}")

    live = rollout.live_color(current["weights"])
    progress, lock = current["progress"], current["lock"]
    if progress:
        progress = dict(progress, started=progress["started"] and rollout_record.iso(progress["started"]))
    if lock:
        held = rollout_record.held_by_other(lock, None, rollout.Clock().wall())
        lock = dict(lock, expires=rollout_record.iso(lock["expires"]), held=held)
    module.exit_json(
        changed=False,
        live_color=live,
        idle_color=rollout.other(live),
        previous_color=current["previous_color"],
        weights=current["weights"],
        shifting=0 < current["weights"]["blue"] < 100,
        listener_rule_arn=current["rule"]["RuleArn"],
        task_definition=colors[live]["task_definition"],
        colors=colors,
        progress=progress,
        lock=lock,
    )


if __name__ == "__main__":
    main()
