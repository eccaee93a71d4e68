#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_blue_green
version_added: 0.1.0
short_description: Blue/green deployment of an ECS service behind a weighted ALB listener rule
description:
  - Deploys a task definition to an ECS service made of two colour services, C(<service>-blue) and
    C(<service>-green), each attached to its own target group, behind one ALB listener rule that
    forwards to both target groups by weight.
  - The live colour is the one the rule sends most traffic to. The idle colour gets the new task
    definition at the live desired count and must become stable and healthy; then traffic moves by
    rule weights (all at once, canary, or linear steps). After each step, and through the bake
    time, the module checks the given CloudWatch alarms and the new colour's target health.
  - On success the new colour holds 100% of the traffic, autoscaling follows it, and the previous
    colour is scaled to 0 (it keeps its task definition, so a rollback only scales it up again).
    With O(termination_wait) the module does not wait, it leaves the previous colour running and
    records on the listener rule when it may be scaled down (tags C(ecs_blue_green:scale_down_color),
    C(ecs_blue_green:scale_down_after)); a later run (the next deploy, or a re-run with the live task
    definition) scales it to 0 once that time has passed, and does nothing before.
  - The new colour is ready when its ECS service still runs the requested task definition, its
    PRIMARY deployment's C(rolloutState) is C(COMPLETED) (for the rolling update controller, which
    reports one), all its tasks run and its targets are healthy. A deployment that ECS's deployment
    circuit breaker marked C(FAILED), or rolled back to the colour's previous (older) task
    definition, is a failed deploy at once, with ECS's C(rolloutStateReason) and the service's events
    since the deployment began in the message and the O(ignore:timeline); traffic never moves to it.
  - On any failure (targets not healthy, an alarm in C(ALARM), the service not stable in time, a
    deployment failed or rolled back by ECS, an AWS error during the shift) all traffic goes back to the previous colour, the new colour is
    scaled to 0 and the module fails with a message and the O(ignore:timeline).
  - The weights are the rollout state and nothing is kept outside AWS. Re-running with the live
    task definition changes nothing. A re-run after an interrupted shift reads the state from AWS
    and finishes the shift (or rolls it back).
  - The step being watched is recorded as tags on the listener rule (C(ecs_blue_green:step),
    C(ecs_blue_green:step_color), C(ecs_blue_green:step_task_definition),
    C(ecs_blue_green:step_started), C(ecs_blue_green:step_hold)) from the moment its weights are set
    until its watch passed (the last step) or the rollback is complete. A re-run after the runner
    died resumes the interrupted watch for the time left of it, checking the alarms first, and
    completes an interrupted rollback (and fails, as the interrupted run would have). All traffic
    on the new colour with the previous colour still running is a finished cut-over only without
    that record, and even then the previous colour is not scaled down while an alarm fires.
  - A run that changes anything holds a lock on the rollout, the tags C(ecs_blue_green:lock_owner)
    (host/process/random id) and C(ecs_blue_green:lock_expires) on the listener rule, renewed while
    it waits and removed at its end. Another run refuses to start while the lock is held, saying who
    holds it and until when; a lock whose owner died expires after O(lock_ttl) seconds and is taken
    over. O(break_lock) takes a held lock anyway (the rollback runbook's C(break_lock) variable).
  - O(state=rolled_back) is the rollback runbook, it moves all traffic back to the colour that
    served before the last shift, immediately (scaling it up first if it was scaled down).
  - A colour is healthy when its target group has at least
    C(ceil(desired_count * min_healthy_percent / 100)) (at least 1) targets in state C(healthy)
    and none in state C(unhealthy); draining targets are not counted.
  - The colour that served before a shift is recorded as the tag C(ecs_blue_green:previous_color)
    on the listener rule when the shift begins.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  state:
    description:
      - V(present) deploys O(task_definition) (or the O(image) override); V(rolled_back) moves all
        traffic back to the previous colour.
    type: str
    choices: [present, rolled_back]
    default: present
  task_definition:
    description:
      - Task definition to deploy, as an ARN or C(family:revision).
      - With O(image), the base the image overrides are applied to.
      - One of O(task_definition) and O(image) is required with O(state=present).
    type: str
  image:
    description:
      - Container images to deploy, a dict of container name to image, applied on top of
        O(task_definition) or, without it, of the live colour's task definition.
      - A new revision of the family is registered unless a colour already runs the same content.
    type: dict
  desired_count:
    description:
      - Tasks for the new colour. Defaults to the live colour's desired count.
      - Applies when a deployment (or rollback) scales a colour up; a run that changes nothing
        does not scale the live colour (autoscaling owns it).
    type: int
  strategy:
    description:
      - How traffic moves to the new colour. V(all_at_once) moves 100% in one step, V(canary) moves
        O(canary_percent) then the rest, V(linear) moves O(step_percent) per step.
    type: str
    choices: [all_at_once, canary, linear]
    default: all_at_once
  canary_percent:
    description:
      - Percent of traffic of the canary step (1-99).
    type: int
    default: 10
  step_percent:
    description:
      - Percent of traffic added by each linear step (1-99).
    type: int
    default: 10
  interval:
    description:
      - Seconds each step before the last holds its weights (watched like the bake time).
      - Defaults to O(bake_time).
    type: int
  bake_time:
    description:
      - Seconds the last step (100% on the new colour) is watched before the deployment succeeds.
    type: int
    default: 0
  alarms:
    description:
      - CloudWatch alarm names (metric or composite). Any of them in C(ALARM) before the first
        shift or while a step is watched rolls the deployment back. They must exist.
    type: list
    elements: str
    default: []
  health:
    description:
      - When the new colour's targets count as healthy.
    type: dict
    suboptions:
      min_healthy_percent:
        description:
          - Healthy targets needed, as a percent of the desired count (rounded up, at least 1).
        type: int
        default: 100
      timeout:
        description:
          - Seconds to wait for the new colour's targets to become healthy before rolling back.
        type: int
        default: 300
  termination_wait:
    description:
      - Seconds the previous colour keeps running after the cut-over before it may be scaled to 0.
      - Never slept. V(0) scales it to 0 at the end of the run; more leaves it running (ready for
        the rollback runbook) and records the moment on the listener rule. A run that finds the
        previous colour still running after a completed cut-over scales it to 0 once the recorded
        moment has passed (at once without a record), and changes nothing before.
    type: int
    default: 0
  max_duration:
    description:
      - Seconds the runner gives this run (for example what is left of a CI job's timeout).
      - The plan's worst case (C(plan.duration)) is computed before any change; a plan that does
        not fit is refused, in check mode too, with the figures. The worst case counts
        O(wait_timeout) and O(health.timeout) in full when a colour is scaled up, and every step's
        hold (O(interval), O(bake_time)); O(termination_wait) is not waited for.
      - Without it, no limit.
    type: int
  rollback:
    description:
      - Move traffic back to the previous colour when the deployment fails. With V(false) the
        weights stay where the failure found them.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the new colour's ECS service to become stable.
    type: int
    default: 600
  poll_interval:
    description:
      - Seconds between checks of service stability, target health and alarms.
    type: int
    default: 5
  lock_ttl:
    description:
      - Seconds the rollout's lock holds without renewal. The run renews it every third of that
        while it waits; when the run dies, another run may take the lock after at most this long.
    type: int
    default: 120
  break_lock:
    description:
      - Take the rollout's lock even when another run holds it (for a run known to be dead, or an
        emergency rollback). The run that held it, if still alive, is not stopped.
    type: bool
    default: false
notes:
  - Check mode returns the plan (colours, task definition change, weight steps, operations) and
    makes no mutating call. With C(--diff) the task definition change (image, environment,
    cpu/memory per container) is shown.
  - An Application Auto Scaling scalable target on the previous colour is moved to the new one
    (same min/max, target tracking and step scaling policies copied; an C(ALBRequestCountPerTarget)
    resource label is pointed at the new target group) and deregistered from the previous one.
  - The module waits for bake times and intervals while it runs (there is no C(wait) option, a shift
    is only safe while it is watched); Ansible's C(async) lets a play do something else meanwhile.
    O(max_duration) refuses a plan whose waits would outlast the runner.
  - A task definition registered from O(image) keeps the tags of the one it is based on; the module
    manages no other tags.
extends_documentation_fragment:
  - mlops.aws_deploy.blue_green_service
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy a new backend task definition, canary 10% then the rest, watching two alarms
  mlops.aws_deploy.ecs_blue_green:
    cluster: mobileml-prod
    service: mobileml-prod-backend
    task_definition: mobileml-prod-backend:42
    strategy: canary
    canary_percent: 10
    bake_time: 300
    alarms:
      - mobileml-prod-backend-5xx
      - mobileml-prod-backend-latency
    termination_wait: 600
    max_duration: 2400

- name: Deploy a new image on top of the live task definition, 50% at a time
  mlops.aws_deploy.ecs_blue_green:
    cluster: mobileml-stage
    service: mobileml-stage-ml
    image:
      ml-model-service: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-stage/ml-model-service:abc123
    strategy: linear
    step_percent: 50
    interval: 60
    health:
      min_healthy_percent: 100
      timeout: 300

- name: Show what a deployment would do, without doing it
  mlops.aws_deploy.ecs_blue_green:
    cluster: mobileml-prod
    service: mobileml-prod-backend
    task_definition: mobileml-prod-backend:43
  check_mode: true
  diff: true
  register: plan

- name: Roll back to the colour that served before the last deployment
  mlops.aws_deploy.ecs_blue_green:
    cluster: mobileml-prod
    service: mobileml-prod-backend
    state: rolled_back
"""

RETURN = r"""
live_color:
  description: The colour that holds the traffic at the end of the run.
  returned: always
  type: str
  sample: green
task_definition:
  description: ARN of the task definition the live colour runs at the end of the run.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:42
previous_task_definition:
  description: ARN of the task definition that was live when the run started.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:41
rolled_back:
  description: Whether traffic was moved back to the previous colour (after a failure, or by O(state=rolled_back)).
  returned: always
  type: bool
  sample: false
weights:
  description: Percent of the rule's traffic per colour at the end of the run.
  returned: always
  type: dict
  sample: {"blue": 0, "green": 100}
timeline:
  description:
    - What happened, one entry per event. C(phase) is one of C(register), C(restore), C(scale_up),
      C(ready), C(shift), C(bake), C(autoscaling), C(scale_down) (C(done), or C(deferred) when
      O(termination_wait) leaves the previous colour running), C(rollback), C(lock), C(finish).
    - C(health) is per colour C({healthy, required, registered, ok}) (with C(unhealthy) target ids);
      C(deployment) (on a C(ready) entry when ECS failed or rolled back the deployment) is
      C({reason, task_definition, rollout_state, rollout_state_reason, events});
      C(alarms) maps alarm names to their state; C(decision) says what the module did next.
  returned: always
  type: list
  elements: dict
  sample:
    - {"time": "2026-11-23T15:34:31Z", "elapsed": 0.4, "phase": "scale_up", "decision": "continue",
       "detail": "mobileml-prod-backend-green runs mobileml-prod-backend:42 with 3 tasks"}
    - {"time": "2026-11-23T15:34:33Z", "elapsed": 2.1, "phase": "ready", "decision": "continue",
       "weights": {"blue": 100, "green": 0}, "health": {"green": {"healthy": 3, "required": 3, "registered": 3, "ok": true}},
       "alarms": {"mobileml-prod-backend-5xx": "OK"}}
    - {"time": "2026-11-23T15:34:33Z", "elapsed": 2.3, "phase": "shift", "decision": "continue", "weights": {"blue": 90, "green": 10}}
    - {"time": "2026-11-23T15:39:33Z", "elapsed": 302.3, "phase": "bake", "decision": "continue", "checks": 61,
       "weights": {"blue": 90, "green": 10}, "health": {"green": {"healthy": 3, "required": 3, "registered": 3, "ok": true}},
       "alarms": {"mobileml-prod-backend-5xx": "OK"}}
plan:
  description:
    - What the run does (in check mode, would do) as plain data.
    - C(action) is V(none), V(deploy), V(resume) (finish an interrupted shift or bake), V(restore)
      (weights split but the live colour already runs the request), V(finish) (scale down a
      leftover colour), V(rollback) or V(complete_rollback) (finish the rollback of a run that died).
    - C(resume_watch) is the interrupted step a V(resume) watches first, with the seconds left of it.
    - C(lock) is the lock another run holds, when one does.
    - C(duration) is the run's worst case in seconds, C({stable_wait, health_wait, watches, total})
      (see O(max_duration)).
    - C(scale_down_at) is when the previous colour may be scaled to 0 (ISO 8601), when
      O(termination_wait) defers it or a recorded moment has not come yet; else null.
  returned: always
  type: dict
  sample:
    action: deploy
    live_color: blue
    new_color: green
    services: {"blue": "mobileml-prod-backend-blue", "green": "mobileml-prod-backend-green"}
    task_definition:
      current: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:41
      target: arn:aws:ecs:us-east-1:123456789012:task-definition/mobileml-prod-backend:42
      register: false
    desired_count: 3
    steps:
      - {"weights": {"blue": 90, "green": 10}, "hold": 300}
      - {"weights": {"blue": 0, "green": 100}, "hold": 300}
    autoscaling: {"from": "blue", "to": "green", "copy_to_new": true}
    scale_down: {"color": "blue", "after": 600}
    resume_watch: null
    duration: {"stable_wait": 900, "health_wait": 600, "watches": [300, 300], "total": 2100}
    scale_down_at: "2026-11-23T15:55:33Z"
    operations:
      - "UpdateService mobileml-prod-backend-green: task definition mobileml-prod-backend:42, desired count 3"
      - "ModifyRule weights blue 90 / green 10"
      - "ModifyRule weights blue 0 / green 100"
listener_rule_arn:
  description: ARN of the listener rule whose weights the module moves.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/mobileml-prod/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule  # noqa: E402

from ansible_collections.mlops.aws_deploy.plugins.module_utils import ecs as ecs_utils  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import traffic  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils import waiters  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import BlueGreenError  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import DeploymentFailure  # noqa: E402
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import other  # noqa: E402

# ---------------------------------------------------------------- arguments


def argument_spec():
    return dict(
        ecs_utils.selection_argument_spec(),
        state=dict(type="str", default="present", choices=["present", "rolled_back"]),
        task_definition=dict(type="str"),
        image=dict(type="dict"),
        desired_count=dict(type="int"),
        strategy=dict(type="str", default="all_at_once", choices=list(rollout.STRATEGIES)),
        canary_percent=dict(type="int", default=10),
        step_percent=dict(type="int", default=10),
        interval=dict(type="int"),
        bake_time=dict(type="int", default=0),
        alarms=dict(type="list", elements="str", default=[]),
        health=dict(
            type="dict",
            apply_defaults=True,
            options=dict(min_healthy_percent=dict(type="int", default=100), timeout=dict(type="int", default=300)),
        ),
        termination_wait=dict(type="int", default=0),
        max_duration=dict(type="int"),
        rollback=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=5),
        lock_ttl=dict(type="int", default=120),
        break_lock=dict(type="bool", default=False),
    )


def validate(params):
    """Input problems the argument spec cannot express; a message or None."""
    for name in ("canary_percent", "step_percent"):
        if not 1 <= params[name] <= 99:
            return f"{name} must be between 1 and 99, got {params[name]}"
    if not 0 <= params["health"]["min_healthy_percent"] <= 100:
        return f"health.min_healthy_percent must be between 0 and 100, got {params['health']['min_healthy_percent']}"
    for name in ("bake_time", "interval", "termination_wait"):
        if params[name] is not None and params[name] < 0:
            return f"{name} must be 0 or more seconds, got {params[name]}"
    for name, value in (("wait_timeout", params["wait_timeout"]), ("health.timeout", params["health"]["timeout"]),
                        ("poll_interval", params["poll_interval"]), ("lock_ttl", params["lock_ttl"])):
        if value < 1:
            return f"{name} must be 1 or more seconds, got {value}"
    if params["max_duration"] is not None and params["max_duration"] < 1:
        return f"max_duration must be 1 or more seconds, got {params['max_duration']}"
    if params["desired_count"] is not None and params["desired_count"] < 1:
        return f"desired_count must be 1 or more, got {params['desired_count']}"
    if params["state"] == "present" and not (params["task_definition"] or params["image"]):
        return "state=present needs task_definition or image"
    return None


# ---------------------------------------------------------------- current state


def read_current(clients, params):
    current = ecs_utils.describe_selected(clients, params)
    states = traffic.alarm_states(clients["cloudwatch"], params["alarms"]) if params["alarms"] else {}
    missing = [name for name in params["alarms"] if name not in states]
    if missing:
        raise BlueGreenError(f"CloudWatch alarm(s) not found: {', '.join(missing)}")
    current["alarms"] = states
    return current


def read_request(clients, params, current):
    """The task definition to deploy: {"arn", "task_definition", "register": params or None}."""
    ecs = clients["ecs"]
    live = rollout.live_color(current["weights"])
    if params["task_definition"]:
        base, tags = ecs_utils.describe_task_definition(ecs, params["task_definition"])
    else:
        base, tags = current["task_definitions"][live], current["task_definition_tags"][live]
    if not params["image"]:
        return {"arn": base["taskDefinitionArn"], "task_definition": base, "register": None}
    wanted = ecs_utils.with_images(ecs_utils.registerable(base, tags), params["image"])
    # Reuse a task definition that already has this content: a re-run registers nothing.
    for candidate in [current["task_definitions"][live], current["task_definitions"][other(live)], base]:
        if ecs_utils.same_content(wanted, candidate):
            return {"arn": candidate["taskDefinitionArn"], "task_definition": candidate, "register": None}
    unregistered = dict(wanted, taskDefinitionArn=None)
    return {"arn": None, "task_definition": unregistered, "register": wanted}


# ---------------------------------------------------------------- plan


def _short(arn):
    return arn.rsplit("/", 1)[-1] if arn else arn


def make_plan(params, current, request, now):
    """The plan of the run; ``now`` (wall seconds) dates what is left of an interrupted step."""
    services = {c: current["services"][c]["service_name"] for c in rollout.COLORS}
    state = {
        "weights": current["weights"],
        "previous_color": current["previous_color"],
        "colors": {
            c: {
                "task_definition": current["services"][c]["task_definition"],
                "desired_count": current["services"][c]["desired_count"],
                "autoscaling": current["services"][c]["autoscaling"],
            }
            for c in rollout.COLORS
        },
        "progress": rollout_record.progress_of(current["progress"], request["arn"] if request else None),
    }
    if params["state"] == "rolled_back":
        decision = rollout.decide_rollback(state)
    else:
        decision = rollout.decide(state, request["arn"])
    decision = defer_finish(decision, current, now)
    action, live, new = decision["action"], decision["live_color"], decision["new_color"]
    plan = {
        "action": action,
        "live_color": live,
        "new_color": new,
        "services": services,
        "weights": dict(current["weights"]),
        "task_definition": {
            "current": current["services"][live]["task_definition"],
            "target": current["services"][new]["task_definition"] if request is None else request["arn"],
            "register": bool(request and request["register"]),
        },
        "desired_count": None,
        "steps": [],
        "autoscaling": None,
        "scale_down": None,
        "resume_watch": None,
        "scale_down_at": None,
        "operations": [],
    }
    if decision.get("reason"):
        plan["reason"] = decision["reason"]
    if decision.get("scale_down_at"):
        plan["scale_down_at"] = decision["scale_down_at"]
    if rollout_record.held_by_other(current["lock"], None, now):
        plan["lock"] = dict(current["lock"], expires=rollout_record.iso(current["lock"]["expires"]))
    ops = plan["operations"]
    old = other(new)
    if action == rollout.COMPLETE_ROLLBACK:
        plan["steps"] = [{"weights": rollout.weights_for(live, 100), "hold": 0}]
        plan["scale_down"] = {"color": new, "after": 0}
        ops.append(f"ModifyRule weights {_weights_text(plan['steps'][0]['weights'])}")
        ops.append(f"UpdateService {services[new]}: desired count 0")
        return plan
    if action in (rollout.DEPLOY, rollout.RESUME, rollout.ROLLBACK):
        desired = params["desired_count"] or current["services"][live]["desired_count"]
        if desired < 1:
            raise BlueGreenError(f"The live service {services[live]} has a desired count of 0; give desired_count")
        plan["desired_count"] = desired
        plan["restore_first"] = bool(decision.get("restore_first"))
        target_td = plan["task_definition"]["target"]
        if plan["task_definition"]["register"]:
            ops.append(f"RegisterTaskDefinition: new revision of {request['register']['family']}")
        if plan["restore_first"]:
            ops.append(f"ModifyRule weights {_weights_text(rollout.weights_for(live, 100))}")
        if action != rollout.ROLLBACK and current["previous_color"] != live:
            ops.append(f"AddTags {traffic.PREVIOUS_COLOR_TAG}={live} on the listener rule")
        service_now = current["services"][new]
        if target_td is None or service_now["task_definition"] != target_td:
            ops.append(
                f"UpdateService {services[new]}: task definition {_short(target_td) or '(the new revision)'}, desired count {desired}"
            )
        elif service_now["desired_count"] != desired:
            ops.append(f"UpdateService {services[new]}: desired count {desired}")
        if action == rollout.ROLLBACK:
            steps, holds = [100], [0]
        else:
            steps = rollout.weight_steps(params["strategy"], params["canary_percent"], params["step_percent"], decision["start"])
            interval = params["bake_time"] if params["interval"] is None else params["interval"]
            holds = rollout.hold_times(steps, interval, params["bake_time"])
            if decision["start"] > 0:
                # The step the dead run was watching: watch what is left of it before the next one.
                hold = params["bake_time"] if decision["start"] == 100 else interval
                left = rollout_record.remaining_hold(state["progress"], decision["start"], hold, now)
                plan["resume_watch"] = {"weights": rollout.weights_for(new, decision["start"]), "hold": left}
                ops.append(f"Watch {services[new]} at {decision['start']}% for {int(left)} s "
                           "(what is left of the interrupted step)")
        plan["steps"] = [{"weights": rollout.weights_for(new, steps[i]), "hold": holds[i]} for i in range(len(steps))]
    elif action == rollout.RESTORE:
        if current["previous_color"] != live:
            ops.append(f"AddTags {traffic.PREVIOUS_COLOR_TAG}={live} on the listener rule")
        plan["steps"] = [{"weights": rollout.weights_for(live, 100), "hold": 0}]
    ops.extend(f"ModifyRule weights {_weights_text(step['weights'])}" for step in plan["steps"])
    if action == rollout.NOOP:
        return plan
    # After the cut-over: autoscaling follows the new colour, the old one is scaled to 0.
    if current["services"][old]["autoscaling"]:
        copy = not current["services"][new]["autoscaling"]
        plan["autoscaling"] = {"from": old, "to": new, "copy_to_new": copy}
        ops.append(
            f"Move the scalable target and its policies from {services[old]} to {services[new]}" if copy
            else f"DeregisterScalableTarget {services[old]}"
        )
    if current["services"][old]["desired_count"] > 0:
        wait = params["termination_wait"] if action in (rollout.DEPLOY, rollout.RESUME, rollout.ROLLBACK) else 0
        plan["scale_down"] = {"color": old, "after": wait}
        if wait > 0:
            plan["scale_down_at"] = rollout_record.iso(now + wait)
            ops.append(f"AddTags {rollout_record.SCALE_DOWN_COLOR_TAG}={old}, {rollout_record.SCALE_DOWN_AFTER_TAG}="
                       f"{plan['scale_down_at']} on the listener rule: {services[old]} keeps running, a later run scales it to 0")
        else:
            ops.append(f"UpdateService {services[old]}: desired count 0 after {wait} s")
    return plan


def defer_finish(decision, current, now):
    """A FINISH whose previous colour must keep running (termination_wait not over) is a NOOP until then."""
    if decision["action"] != rollout.FINISH:
        return decision
    idle = other(decision["live_color"])
    pending = rollout_record.scale_down_pending(current.get("scale_down"), idle, now)
    if not pending or current["services"][idle]["autoscaling"]:
        return decision
    reason = (
        f"{current['services'][idle]['service_name']} keeps running until {rollout_record.iso(pending['after'])} "
        f"({int(pending['after'] - now)} s from now, termination_wait after the cut-over) so that a rollback"
        " finds it up; a run from then on scales it to 0"
    )
    return dict(decision, action=rollout.NOOP, reason=reason, scale_down_at=rollout_record.iso(pending["after"]))


def refuse_over_budget(params, plan):
    """A message when the plan's worst case does not fit ``max_duration``, else None."""
    budget = params["max_duration"]
    if budget is None or plan["duration"]["total"] <= budget:
        return None
    return (
        f"The worst case of this run of {params['service']} is {rollout.describe_duration(plan['duration'])}, "
        f"more than max_duration {budget} s (the time the runner gives it):"
        " refused before any change. Shorten wait_timeout, health.timeout, interval or bake_time, use fewer steps,"
        " or give the runner more time."
    )


def _weights_text(weights):
    return f"blue {weights['blue']} / green {weights['green']}"


# ---------------------------------------------------------------- apply


class Rollout:
    """Carries out a plan; every mutating call is here and every event goes to the timeline."""

    def __init__(self, module, clients, params, current, request, plan, clock):
        self.module = module
        self.clients = clients
        self.params = params
        self.current = current
        self.request = request
        self.plan = plan
        self.clock = clock
        self.timeline = rollout.Timeline(self.clock)
        self.rule = current["rule"]
        self.weights = dict(current["weights"])
        self.changed = False
        self.warnings = []
        self.services = plan["services"]
        self.cluster = current["cluster"]["clusterArn"]
        self.target_arn = plan["task_definition"]["target"]
        self.progress = current["progress"]
        self.lease = None

    # -- the lock and the progress record

    def lock(self):
        """Take the rollout's lock before the first change; fail, changing nothing, when another run holds it."""
        elbv2, rule_arn = self.clients["elbv2"], self.rule["RuleArn"]
        lease = rollout_record.Lease(elbv2, rule_arn, self.clock, self.params["lock_ttl"])
        try:
            replaced = lease.acquire(self.current["lock"], break_lock=self.params["break_lock"])
        except rollout_record.LockHeld as held:
            holder = rollout_record.describe_lock(held.lock, self.clock.wall()) if held.lock else "another run"
            self.module.fail_json(
                msg=f"The rollout of {self.params['service']} is locked by {holder}: another deployment or rollback of it is running. Nothing"
                    " was changed. Wait for it to end or its lock to expire, or take the lock of a run known to be"
                    " dead with break_lock (the rollback runbook: -e break_lock=true).",
                lock=held.lock and dict(held.lock, expires=rollout_record.iso(held.lock["expires"])),
                **self.result(rolled_back=False),
            )
        self.lease = lease
        self._release_on_exit()
        if replaced:
            how = "broke" if self.params["break_lock"] and replaced["expires"] > self.clock.wall() else "took over"
            detail = f"{how} the lock of {replaced['owner']} (expiring {rollout_record.iso(replaced['expires'])})"
            self.timeline.add("lock", "continue", detail=detail)
            self.warnings.append(f"{self.params['service']}: {detail}")

    def _release_on_exit(self):
        # Every way out of the module (exit_json, fail_json, fail_json_aws) releases the lock first.
        for name in ("exit_json", "fail_json"):
            original = getattr(self.module, name)

            def release_then(*args, _original=original, **kwargs):
                self.release()
                return _original(*args, **kwargs)

            setattr(self.module, name, release_then)

    def release(self):
        lease, self.lease = self.lease, None
        if lease is None:
            return
        try:
            lease.release()
        except errors.AWS_ERRORS as e:
            self.warnings.append(f"Could not remove the rollout's lock (it expires by itself): {e}")
            for warning in self.warnings[-1:]:
                self.module.warn(warning)

    def record_step(self, step, hold):
        """The progress record of the step now watched (or of the rollback): one AddTags."""
        color = self.plan["new_color"]
        tags = rollout_record.progress_tags(step, color, self.target_arn, self.clock.wall(), hold)
        rollout_record.add_tags(self.clients["elbv2"], self.rule["RuleArn"], tags)
        self.progress = rollout_record.parse_progress(tags)
        self.changed = True

    def clear_progress(self):
        if self.progress:
            rollout_record.remove_tags(self.clients["elbv2"], self.rule["RuleArn"], rollout_record.PROGRESS_TAGS)
            self.progress = None
            self.changed = True

    # -- steps

    def set_weights(self, weights, phase="shift", decision="continue"):
        if weights == self.weights:
            return
        self.rule = traffic.set_weights(self.clients["elbv2"], self.rule, self.current["target_groups"], weights)
        self.weights = dict(weights)
        self.changed = True
        self.timeline.add(phase, decision, weights=self.weights)

    def scale(self, color, desired, task_definition=None):
        """UpdateService when the task definition or the desired count differs; True when called."""
        service = self.current["services"][color]
        if task_definition == service["task_definition"]:
            task_definition = None
        if task_definition is None and desired == service["desired_count"]:
            return False
        ecs_utils.update_service(self.clients["ecs"], self.cluster, service["service_name"], task_definition, desired)
        if task_definition:
            service["task_definition"] = task_definition
        service["desired_count"] = desired
        self.changed = True
        return True

    def observe(self, color, alarms=True):
        """Target health of ``color`` and the alarms' states, with the first problem found."""
        desired = self.current["services"][color]["desired_count"]
        required = rollout.required_healthy(desired, self.params["health"]["min_healthy_percent"])
        targets = traffic.target_health(self.clients["elbv2"], self.current["target_groups"][color]["arn"])
        health = traffic.assess_health(targets, required)
        states = traffic.alarm_states(self.clients["cloudwatch"], self.params["alarms"]) if alarms and self.params["alarms"] else {}
        firing = sorted(name for name, value in states.items() if value == "ALARM")
        problem = None
        if firing:
            problem = f"alarm(s) in ALARM: {', '.join(firing)}"
        elif not health["ok"]:
            problem = traffic.describe_health_problem(color, health)
        return {"health": {color: health}, "alarms": states, "problem": problem}

    def make_ready(self, color, desired, task_definition):
        """Scale ``color`` up (with ``task_definition``); wait until it is stable and its targets healthy."""
        name = self.services[color]
        if self.scale(color, desired, task_definition):
            self.timeline.add(
                "scale_up", "continue",
                detail=f"{name} runs {_short(self.current['services'][color]['task_definition'])} with {desired} task(s)",
            )
        poll = self.params["poll_interval"]
        try:
            stable = ecs_utils.wait_stable(
                self.clients["ecs"], self.cluster, name, poll, self.params["wait_timeout"], self.clock, task_definition
            )
        except DeploymentFailure as failure:  # ECS's circuit breaker failed or rolled back the deployment
            deployment = failure.observation.get("deployment")
            self.timeline.add("ready", "rollback", weights=self.weights, detail=failure.reason, deployment=deployment)
            raise
        if not stable["done"]:
            raise DeploymentFailure(
                f"ECS service {name} did not become stable within {self.params['wait_timeout']} s: "
                f"{ecs_utils.describe_stability(stable)}{waiters.throttling_note(stable)}"
            )
        required = rollout.required_healthy(desired, self.params["health"]["min_healthy_percent"])
        group = self.current["target_groups"][color]
        timeout = self.params["health"]["timeout"]
        healthy = traffic.wait_targets_healthy(self.clients["elbv2"], group["arn"], required, poll, timeout, self.clock)
        if not healthy["done"]:
            health = healthy["observation"]
            problem = traffic.describe_health_problem(color, health) if health else "AWS answered no health check"
            self.timeline.add(
                "ready", "rollback", weights=self.weights, health={color: health} if health else None,
                detail=problem + waiters.throttling_note(healthy), checks=healthy["polls"],
            )
            raise DeploymentFailure(
                f"the targets of {name} (target group {group['name']}) were not healthy within {timeout} s: {problem}{waiters.throttling_note(healthy)}",
                {"health": {color: health}} if health else {},
            )

    def watch(self, color, hold, phase):
        """Check alarms and ``color``'s health now and through ``hold`` seconds; fail on the first problem."""
        observation = rollout.watch(self.clock, hold, self.params["poll_interval"], lambda: self.observe(color))
        self.timeline.add(
            phase, "rollback" if observation["problem"] else "continue", weights=self.weights,
            health=observation["health"], alarms=observation["alarms"], detail=observation["problem"],
            checks=observation["checks"], hold=hold,
        )
        if observation["problem"]:
            raise DeploymentFailure(observation["problem"], observation)

    def record_previous(self, color):
        if self.current["previous_color"] != color:
            traffic.record_previous_color(self.clients["elbv2"], self.rule["RuleArn"], color)
            self.current["previous_color"] = color
            self.changed = True

    def finish(self, old, new, wait):
        """After the cut-over: autoscaling follows ``new``; ``old`` is scaled to 0 after ``wait`` s."""
        moving = self.plan["autoscaling"]
        if moving:
            scaling = self.current["scaling"]
            if moving["copy_to_new"]:
                aas = self.clients["application-autoscaling"]
                self.warnings.extend(ecs_utils.move_scaling(aas, scaling, old, new, self.current["target_groups"]))
            else:
                self.clients["application-autoscaling"].deregister_scalable_target(
                    aws_retry=True, ServiceNamespace="ecs", ResourceId=scaling[old]["resource_id"],
                    ScalableDimension=ecs_utils.SCALABLE_DIMENSION,
                )
            self.changed = True
            self.timeline.add("autoscaling", "continue", detail=f"the scalable target follows {self.services[new]}")
        if self.plan["scale_down"] and wait > 0:
            self.defer_scale_down(old, wait)
        elif self.plan["scale_down"]:
            if self.scale(old, 0):
                self.timeline.add("scale_down", "done", detail=f"{self.services[old]} scaled to 0 after {wait} s")
            self.clear_scale_down()

    def defer_scale_down(self, old, wait):
        """Leave ``old`` running for a rollback and record when a later run may scale it to 0 (no sleep)."""
        after = self.clock.wall() + wait
        rollout_record.add_tags(self.clients["elbv2"], self.rule["RuleArn"], rollout_record.scale_down_tags(old, after))
        self.current["scale_down"] = {"color": old, "after": after}
        self.plan["scale_down_at"] = rollout_record.iso(after)
        self.changed = True
        self.timeline.add(
            "scale_down", "deferred",
            detail=f"{self.services[old]} keeps running until {rollout_record.iso(after)} (termination_wait {wait} s); a run from then on scales it to 0",
        )

    def clear_scale_down(self):
        if self.current.get("scale_down"):
            rollout_record.remove_tags(self.clients["elbv2"], self.rule["RuleArn"], rollout_record.SCALE_DOWN_TAGS)
            self.current["scale_down"] = None
            self.changed = True

    # -- the plan's actions

    def deploy(self):
        """DEPLOY and RESUME: new colour ready, then the weight steps, each watched; roll back on failure."""
        plan, live, new = self.plan, self.plan["live_color"], self.plan["new_color"]
        try:
            if plan["task_definition"]["register"]:
                registered = ecs_utils.register_task_definition(self.clients["ecs"], self.request["register"])
                self.target_arn = plan["task_definition"]["target"] = registered["taskDefinitionArn"]
                self.request["task_definition"] = registered
                self.changed = True
                self.timeline.add("register", "continue", detail=f"registered {_short(self.target_arn)}")
        except errors.AWS_ERRORS as e:
            errors.fail(self.module, e, msg="Failed to register the new task definition", **self.result(rolled_back=False))
        try:
            if plan["restore_first"]:
                self.set_weights(rollout.weights_for(live, 100), phase="restore")
            self.record_previous(live)
            self.make_ready(new, plan["desired_count"], self.target_arn)
            self.watch(new, 0, "ready")
            resumed = plan["resume_watch"]
            if resumed:
                if not self.progress:
                    self.record_step(resumed["weights"][new], resumed["hold"])
                self.watch(new, resumed["hold"], "bake")
            for step in plan["steps"]:
                self.set_weights(step["weights"])
                self.record_step(step["weights"][new], step["hold"])
                self.watch(new, step["hold"], "bake")
        except DeploymentFailure as failure:
            self.fail(failure.reason)
        except errors.AWS_ERRORS as e:
            self.timeline.add("error", "rollback", weights=self.weights, detail=str(e))
            self.fail(f"AWS error: {e}")
        try:
            self.clear_progress()
        except errors.AWS_ERRORS as e:  # the deploy succeeded; a re-run would only watch the last step again
            self.warnings.append(f"Could not remove the progress record from the listener rule: {e}")
        self.finish(live, new, self.params["termination_wait"])

    def rollback_runbook(self):
        """ROLLBACK: the previous colour scaled up and healthy, then all traffic to it at once."""
        plan, live, new = self.plan, self.plan["live_color"], self.plan["new_color"]
        try:
            self.make_ready(new, plan["desired_count"], None)
            observation = self.observe(new, alarms=False)
            self.timeline.add("ready", "continue", weights=self.weights, health=observation["health"])
            self.set_weights(rollout.weights_for(new, 100), phase="rollback", decision="rollback")
            self.clear_progress()
        except (DeploymentFailure,) + errors.AWS_ERRORS as e:
            reason = e.reason if isinstance(e, DeploymentFailure) else f"AWS error: {e}"
            self.module.fail_json(
                msg=f"Could not roll {self.params['service']} back to {self.services[new]}: {reason}; traffic is unchanged ({_weights_text(self.weights)})",
                **self.result(rolled_back=False),
            )
        self.finish(live, new, self.params["termination_wait"])

    def restore(self):
        """RESTORE: the live colour already runs the request; all traffic back to it."""
        live = self.plan["live_color"]
        self.record_previous(live)
        self.set_weights(rollout.weights_for(live, 100), phase="restore")
        self.clear_progress()
        self.finish(other(live), live, 0)

    def finish_cut_over(self):
        """FINISH: the cut-over was watched to its end; scale the previous colour down unless an alarm fires."""
        live = self.plan["live_color"]
        firing = sorted(name for name, state in self.current["alarms"].items() if state == "ALARM")
        if firing:
            detail = f"alarm(s) in ALARM: {', '.join(firing)}"
            self.timeline.add("finish", "stop", weights=self.weights, alarms=self.current["alarms"], detail=detail)
            self.module.fail_json(
                msg=f"Not finishing the cut-over of {self.params['service']} to {self.services[live]}: {detail}. "
                    f"{self.services[other(live)]} keeps running so that the rollback runbook"
                    " can move the traffic back to it; nothing was changed.",
                **self.result(rolled_back=False),
            )
        self.finish(other(live), live, 0)

    def complete_rollback(self):
        """COMPLETE_ROLLBACK: a run died rolling back; finish its rollback and fail as it would have."""
        self.fail("the run that deployed it died while rolling it back")

    def fail(self, reason):
        """Move all traffic back to the live colour, scale the new one to 0, and fail."""
        live, new = self.plan["live_color"], self.plan["new_color"]
        what = f"Deployment of {_short(self.target_arn)} to {self.services[new]} failed: {reason}."
        if not self.params["rollback"]:
            self.timeline.add("rollback", "skipped", weights=self.weights, detail=reason)
            self.module.fail_json(
                msg=f"{what} rollback=false: traffic stays at {_weights_text(self.weights)}.",
                **self.result(rolled_back=False),
            )
        try:
            recorded = self.progress and self.progress["step"] == rollout.ROLLING_BACK
            if self.weights != rollout.weights_for(live, 100) and not recorded:
                self.record_step(rollout.ROLLING_BACK, 0)  # a re-run after a crash completes the rollback
            self.set_weights(rollout.weights_for(live, 100), phase="rollback", decision="rollback")
            self.scale(new, 0)
            self.clear_progress()
        except errors.AWS_ERRORS as e:
            self.timeline.add("rollback", "failed", weights=self.weights, detail=str(e))
            errors.fail(
                self.module, e, msg=f"{what} The rollback failed too; traffic is at {_weights_text(self.weights)}",
                **self.result(rolled_back=False),
            )
        self.timeline.add("rollback", "failed", weights=self.weights, detail=f"{self.services[new]} scaled to 0")
        self.module.fail_json(
            msg=f"{what} Rolled back: all traffic is on {self.services[live]} "
                f"({_short(self.current['services'][live]['task_definition'])}) and {self.services[new]} is scaled to 0.",
            **self.result(rolled_back=True),
        )

    # -- result

    def result(self, rolled_back, live=None):
        live = live or rollout.live_color(self.weights)
        return dict(
            changed=self.changed,
            live_color=live,
            task_definition=self.current["services"][live]["task_definition"],
            previous_task_definition=self.plan["task_definition"]["current"],
            rolled_back=rolled_back,
            weights=self.weights,
            timeline=self.timeline.entries,
            plan=self.plan,
            listener_rule_arn=self.rule["RuleArn"],
        )


def diff_of(current, request, plan):
    before = ecs_utils.summarize_task_definition(current["task_definitions"][plan["live_color"]])
    if request is not None:
        after = ecs_utils.summarize_task_definition(request["task_definition"])
        if after and not after["task_definition"]:
            after["task_definition"] = f"(new revision of {request['register']['family']})"
    else:
        after = ecs_utils.summarize_task_definition(current["task_definitions"][plan["new_color"]])
    before["weights"] = dict(current["weights"])
    after["weights"] = plan["steps"][-1]["weights"] if plan["steps"] else dict(current["weights"])
    return {"before": before, "after": after}


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=ecs_utils.SELECTION_MUTUALLY_EXCLUSIVE,
        required_together=ecs_utils.SELECTION_REQUIRED_TOGETHER,
    )
    params = module.params
    problem = validate(params)
    if problem:
        module.fail_json(msg=problem)

    clock = rollout.Clock()
    clients = traffic.Clients(module)
    try:
        current = read_current(clients, params)
        request = read_request(clients, params, current) if params["state"] == "present" else None
        plan = make_plan(params, current, request, clock.wall())
    except BlueGreenError as e:
        module.fail_json(msg=str(e))
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read the blue/green state of {params['service']}")

    plan["duration"] = rollout.worst_case_duration(plan, params["wait_timeout"], params["health"]["timeout"])
    run = Rollout(module, clients, params, current, request, plan, clock)
    over_budget = refuse_over_budget(params, plan) if plan["action"] != rollout.NOOP else None
    if over_budget:
        module.fail_json(msg=over_budget, **run.result(rolled_back=False, live=plan["live_color"]))
    extra = {"diff": diff_of(current, request, plan)} if module._diff else {}
    if module.check_mode or plan["action"] == rollout.NOOP:
        result = run.result(rolled_back=False, live=plan["live_color"])
        result["changed"] = plan["action"] != rollout.NOOP
        if plan.get("lock") and plan["action"] != rollout.NOOP:
            module.warn(f"The rollout of {params['service']} is locked by {plan['lock']['owner']} until "
                        f"{plan['lock']['expires']}: a real run would be refused now")
        module.exit_json(msg=_message(plan, check_mode=module.check_mode), **dict(result, **extra))

    try:
        run.lock()
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to take the rollout's lock of {params['service']}", **run.result(rolled_back=False))
    try:
        if plan["action"] in (rollout.DEPLOY, rollout.RESUME):
            run.deploy()
        elif plan["action"] == rollout.ROLLBACK:
            run.rollback_runbook()
        elif plan["action"] == rollout.RESTORE:
            run.restore()
        elif plan["action"] == rollout.FINISH:
            run.finish_cut_over()
        elif plan["action"] == rollout.COMPLETE_ROLLBACK:
            run.complete_rollback()
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed after the cut-over of {params['service']}", **run.result(rolled_back=False))
    for warning in run.warnings:
        module.warn(warning)
    module.exit_json(
        msg=_message(plan), **dict(run.result(rolled_back=plan["action"] == rollout.ROLLBACK, live=plan["new_color"]), **extra)
    )


def _message(plan, check_mode=False):
    would = "Would " if check_mode else ""
    services = plan["services"]
    new = services[plan["new_color"]]
    if plan["action"] == rollout.NOOP:
        return plan.get("reason") or f"{new} already runs {_short(plan['task_definition']['target'])} with all traffic"
    if plan["action"] in (rollout.DEPLOY, rollout.RESUME):
        verb = "deploy" if plan["action"] == rollout.DEPLOY else "resume the shift of"
        done = f"{verb} {_short(plan['task_definition']['target']) or 'a new revision'} to {new}"
    elif plan["action"] == rollout.ROLLBACK:
        done = f"roll back to {new} ({_short(plan['task_definition']['target'])})"
    elif plan["action"] == rollout.RESTORE:
        done = f"move all traffic back to {new}"
    elif plan["action"] == rollout.COMPLETE_ROLLBACK:
        done = f"complete the interrupted rollback to {services[other(plan['new_color'])]}"
    else:
        done = f"finish the cut-over to {new}"
    return (would + done) if check_mode else (done[0].upper() + done[1:] + ": done")


if __name__ == "__main__":
    main()
