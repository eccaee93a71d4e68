# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Traffic of a blue/green service: the listener rule's weights, target health and alarms.

A service has two target groups (blue, green) and one listener rule whose forward action
(``ForwardConfig``) sends traffic to both by weight. The weights are rollout state: read with
DescribeRules, moved with ModifyRule (the rule's other actions, its conditions and the
stickiness settings are kept as they are). What gates each step is the health of the new
colour's targets and the state of CloudWatch alarms.

Clients are ``retries.client(module, service, **retries.BLUE_GREEN_BACKOFF)`` wrappers; every call
passes ``aws_retry=True``. AWS errors propagate as botocore exceptions; a missing resource or a
rule that does not fit raises ``BlueGreenError`` with a sentence naming it.
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils import waiters
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import COLORS
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import BlueGreenError

# Recorded on the listener rule when a shift begins: the colour that served before it.
# ``state=rolled_back`` moves traffic back to it; an interrupted shift is restored to it.
PREVIOUS_COLOR_TAG = "ecs_blue_green:previous_color"

# Target health states (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
HEALTHY = "healthy"
UNHEALTHY = "unhealthy"
LEAVING = ("draining",)


# The services of a blue/green deployment.
SERVICES = ("ecs", "elbv2", "cloudwatch", "application-autoscaling")


@retries.retry_decorator(*SERVICES, **retries.BLUE_GREEN_BACKOFF)
def paginate(client, operation, **params):
    """Every page of a paginated call, merged (retried as a whole on throttling)."""
    return client.get_paginator(operation).paginate(**params).build_full_result()


class Clients(dict):
    """{service: client}, each client made on first use (making one costs more than most calls)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def __missing__(self, service):
        client = retries.client(self.module, service, **retries.BLUE_GREEN_BACKOFF)
        self[service] = client
        return client


def _is_arn(value):
    return value.startswith("arn:")


def resolve_target_groups(elbv2, target_groups):
    """{colour: name or ARN} -> {colour: {"arn", "name", "load_balancer_arns"}}."""
    found = {}
    for color in COLORS:
        ref = target_groups[color]
        query = {"TargetGroupArns": [ref]} if _is_arn(ref) else {"Names": [ref]}
        try:
            groups = elbv2.describe_target_groups(aws_retry=True, **query)["TargetGroups"]
        except is_boto3_error_code("TargetGroupNotFound"):
            groups = []
        if not groups:
            raise BlueGreenError(f"The {color} target group {ref} does not exist")
        group = groups[0]
        found[color] = {
            "arn": group["TargetGroupArn"],
            "name": group["TargetGroupName"],
            "load_balancer_arns": group.get("LoadBalancerArns", []),
        }
    if found["blue"]["arn"] == found["green"]["arn"]:
        raise BlueGreenError(f"The blue and green target groups are the same ({found['blue']['arn']})")
    return found


def _rules_of_listener(elbv2, listener_arn):
    try:
        return paginate(elbv2, "describe_rules", ListenerArn=listener_arn)["Rules"]
    except is_boto3_error_code("ListenerNotFound"):
        raise BlueGreenError(f"The listener {listener_arn} does not exist") from None


def _path_patterns(rule):
    patterns = []
    for condition in rule.get("Conditions", []):
        if condition.get("Field") == "path-pattern":
            patterns.extend(condition.get("Values") or [])
            patterns.extend((condition.get("PathPatternConfig") or {}).get("Values") or [])
    return patterns


def forwarded_arns(rule):
    """Target group ARNs the rule's forward action sends traffic to."""
    action = _forward_action(rule)
    if action is None:
        return []
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
    if groups:
        return [g["TargetGroupArn"] for g in groups]
    return [action["TargetGroupArn"]] if action.get("TargetGroupArn") else []


def find_rule(elbv2, target_groups, rule_arn=None, listener_arn=None, path=None):
    """The listener rule that forwards to both colours.

    By ARN; or on ``listener_arn`` by its path pattern ``path``; or, with neither, the one rule on
    the listeners of the target groups' load balancers that forwards to both target groups.
    """
    if rule_arn:
        try:
            rules = elbv2.describe_rules(aws_retry=True, RuleArns=[rule_arn])["Rules"]
        except is_boto3_error_code("RuleNotFound"):
            rules = []
        if not rules:
            raise BlueGreenError(f"The listener rule {rule_arn} does not exist")
        return rules[0]
    if listener_arn:
        rules = [r for r in _rules_of_listener(elbv2, listener_arn) if path in _path_patterns(r)]
        if not rules:
            raise BlueGreenError(f"No rule of listener {listener_arn} matches the path pattern {path}")
        return rules[0]
    wanted = {target_groups[c]["arn"] for c in COLORS}
    candidates = {}
    load_balancers = set(target_groups["blue"]["load_balancer_arns"]) | set(target_groups["green"]["load_balancer_arns"])
    for lb_arn in sorted(load_balancers):
        for listener in paginate(elbv2, "describe_listeners", LoadBalancerArn=lb_arn)["Listeners"]:
            for rule in _rules_of_listener(elbv2, listener["ListenerArn"]):
                if wanted <= set(forwarded_arns(rule)):
                    candidates[rule["RuleArn"]] = rule
    if len(candidates) != 1:
        raise BlueGreenError(
            f"Found {len(candidates)} listener rules forwarding to both {target_groups['blue']['name']} and "
            f"{target_groups['green']['name']}; give listener_rule_arn"
        )
    return list(candidates.values())[0]


def _forward_action(rule):
    for action in rule.get("Actions", []):
        if action.get("Type") == "forward":
            return action
    return None


def rule_weights(rule, target_groups):
    """The rule's ALB weight per colour; fails unless it forwards to both target groups and only them."""
    action = _forward_action(rule)
    groups = ((action or {}).get("ForwardConfig") or {}).get("TargetGroups") or []
    by_arn = {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups}
    wanted = {target_groups[c]["arn"]: c for c in COLORS}
    if set(by_arn) != set(wanted):
        raise BlueGreenError(
            f"The listener rule {rule['RuleArn']} does not forward to both target groups "
            f"{target_groups['blue']['name']} and {target_groups['green']['name']} "
            f"(it forwards to {', '.join(sorted(forwarded_arns(rule))) or 'no target group'})"
        )
    return {wanted[arn]: weight for arn, weight in by_arn.items()}


def weighted_actions(rule, target_groups, weights):
    """The rule's actions with the forward weights set to ``weights`` ({colour: 0-100})."""
    actions = copy.deepcopy(rule["Actions"])
    color_of = {target_groups[c]["arn"]: c for c in COLORS}
    for action in actions:
        if action.get("Type") != "forward":
            continue
        action.pop("TargetGroupArn", None)  # ForwardConfig with two groups: no top-level ARN
        for group in action["ForwardConfig"]["TargetGroups"]:
            group["Weight"] = weights[color_of[group["TargetGroupArn"]]]
    return actions


def set_weights(elbv2, rule, target_groups, weights):
    """ModifyRule with the new weights; returns the rule as AWS answered."""
    actions = weighted_actions(rule, target_groups, weights)
    return elbv2.modify_rule(aws_retry=True, RuleArn=rule["RuleArn"], Actions=actions)["Rules"][0]


def rule_tags(elbv2, rule_arn):
    descriptions = elbv2.describe_tags(aws_retry=True, ResourceArns=[rule_arn])["TagDescriptions"]
    return {t["Key"]: t["Value"] for d in descriptions for t in d.get("Tags", [])}


def record_previous_color(elbv2, rule_arn, color):
    elbv2.add_tags(aws_retry=True, ResourceArns=[rule_arn], Tags=[{"Key": PREVIOUS_COLOR_TAG, "Value": color}])


def target_health(elbv2, target_group_arn):
    """Registered targets of a target group with their health state (no paginator exists)."""
    response = elbv2.describe_target_health(aws_retry=True, TargetGroupArn=target_group_arn)
    return [
        {
            "id": d["Target"]["Id"],
            "port": d["Target"].get("Port"),
            "state": d["TargetHealth"]["State"],
            "reason": d["TargetHealth"].get("Reason"),
        }
        for d in response["TargetHealthDescriptions"]
    ]


def assess_health(targets, required):
    """A colour is healthy when at least ``required`` targets are healthy and none is unhealthy.

    Draining targets (leaving) are not counted; targets still in ``initial`` are tolerated but do
    not count as healthy.
    """
    current = [t for t in targets if t["state"] not in LEAVING]
    healthy = sum(1 for t in current if t["state"] == HEALTHY)
    unhealthy = [t["id"] for t in current if t["state"] == UNHEALTHY]
    other_states = sorted({t["state"] for t in current} - {HEALTHY, UNHEALTHY})
    ok = healthy >= required and not unhealthy
    result = {"healthy": healthy, "required": required, "registered": len(current), "ok": ok}
    if unhealthy:
        result["unhealthy"] = unhealthy
    if other_states:
        result["other_states"] = other_states
    return result


def describe_health_problem(color, health):
    if health.get("unhealthy"):
        return f"{len(health['unhealthy'])} {color} target(s) unhealthy ({', '.join(health['unhealthy'])})"
    return f"{color} has {health['healthy']} healthy target(s) of {health['required']} required"


def wait_targets_healthy(elbv2, target_group_arn, required, delay, timeout, clock):
    """Poll (bounded by ``timeout`` seconds) until ``required`` targets are healthy and none unhealthy.

    Every poll is retried like any call, and a throttle that outlasts the retries only costs that
    poll (see ``waiters.poll``). Returns the poll result; ``observation`` is the last assessed health.
    """

    def probe():
        health = assess_health(target_health(elbv2, target_group_arn), required)
        return health["ok"], health

    return waiters.poll(clock, timeout, delay, probe, retries.extra_codes("elbv2"))


def alarm_states(cloudwatch, names):
    """{alarm name: state} for metric and composite alarms; names that do not exist are absent."""
    if not names:
        return {}
    states = {}
    for start in range(0, len(names), 100):
        result = paginate(
            cloudwatch, "describe_alarms", AlarmNames=list(names[start:start + 100]), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for alarm in result.get("MetricAlarms", []) + result.get("CompositeAlarms", []):
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states
