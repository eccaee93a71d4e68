#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: elb_listener_rule_move
short_description: Move an ALB listener rule to another listener, keeping its weights and its tags
version_added: 0.1.0
description:
  - Moves one Application Load Balancer listener rule to another listener (of the same load balancer,
    for example from HTTP 80 to HTTPS 443 when a certificate is added, or of another one, for example
    from the internet-facing load balancer to the internal one) with its actions as they are, so the
    weights of a weighted forward that a blue/green deployment moved are kept, and with its tags (the
    previous colour and scale-down record of M(mlops.aws_deploy.ecs_blue_green)).
  - On the same load balancer the new rule is created first and the old one deleted after, so the path
    is served all along. A target group can be forwarded to by one load balancer only (AWS answers
    C(TargetGroupAssociationLimit)), so to another load balancer the old rule is deleted first; if the
    new one then cannot be created, the old one is put back and the module fails.
  - Refuses while a deployment holds the rule's lock (tags C(ecs_blue_green:lock_owner) and
    C(ecs_blue_green:lock_expires), unexpired), unless O(break_lock).
  - Idempotent - when O(rule_arn) no longer exists and the destination listener has a rule at
    O(priority), nothing is done; when both exist and forward to the same target groups (a run stopped
    between the two steps), only the old one is deleted.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  rule_arn:
    description: ARN of the listener rule to move.
    type: str
    required: true
  listener_arn:
    description: ARN of the listener the rule moves to.
    type: str
    required: true
  priority:
    description: The rule's priority on the destination listener (default the one it has).
    type: int
  conditions:
    description:
      - The rule's conditions on the destination listener, in the shape ELBv2 takes (default the ones it has).
    type: list
    elements: dict
  break_lock:
    description: Move the rule even while a deployment's unexpired lock is recorded on it.
    type: bool
    default: false
notes:
  - Support for check mode (the move is planned, nothing changes) and diff mode (listener and rule
    before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Move the backend's rule from HTTP 80 to the new HTTPS 443 listener, with its live weights
  mlops.aws_deploy.elb_listener_rule_move:
    rule_arn: "{{ alb_moves.backend.rule_arn }}"
    listener_arn: "{{ alb_https_listener_arn }}"
"""

RETURN = r"""
rule_arn:
  description: ARN of the rule on the destination listener (in check mode, the rule that would move).
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/mobileml-prod/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
moved_from:
  description: ARN of the rule that was moved (deleted after the move), or null when nothing moved.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/mobileml-prod/50dc6c495c0c9188/0bd43e2b1a7c9f11/1c2d3e4f5a6b7c8d
order:
  description: How the move was (or would be) made - C(create_then_delete) on the same load balancer,
    C(delete_then_create) to another one, C(delete_leftover) when the destination rule existed already, or
    C(none).
  returned: always
  type: str
  sample: create_then_delete
weights:
  description: Target group name -> weight of the moved rule's forward action.
  returned: always
  type: dict
  sample: {"mobileml-prod-backend-blue": 0, "mobileml-prod-backend-green": 100}
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record
from ansible_collections.mlops.aws_deploy.plugins.module_utils import traffic


def load_balancer_of(arn):
    """app/<name>/<id> of a listener or listener-rule ARN."""
    path = arn.split(":", 5)[-1].split("/")
    return "/".join(path[1:4])


def listener_of(rule_arn):
    """The listener ARN a listener-rule ARN belongs to."""
    return rule_arn.replace(":listener-rule/", ":listener/").rsplit("/", 1)[0]


def forwarded(rule):
    """target group ARN -> weight, over the rule's forward actions."""
    weights = {}
    for action in rule.get("Actions", []):
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            weights.update({g["TargetGroupArn"]: g.get("Weight", 1) for g in groups})
        elif action.get("TargetGroupArn"):
            weights[action["TargetGroupArn"]] = 1
    return weights


def portable_actions(rule):
    """The rule's actions as CreateRule takes them (DescribeRules may return a forward both ways)."""
    actions = []
    for action in rule.get("Actions", []):
        action = dict(action)
        if action.get("Type") == "forward" and action.get("ForwardConfig", {}).get("TargetGroups"):
            action.pop("TargetGroupArn", None)
        actions.append(action)
    return actions


def portable_conditions(rule):
    """Conditions as CreateRule takes them: each in its config form only (DescribeRules adds Values)."""
    conditions = []
    for condition in rule.get("Conditions", []):
        condition = dict(condition)
        if any(key.endswith("Config") for key in condition):
            condition.pop("Values", None)
        conditions.append(condition)
    return conditions


def group_name(arn):
    return arn.split(":targetgroup/")[-1].split("/")[0]


class Move:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.elbv2 = retries.client(module, "elbv2")

    def fail(self, error, msg):
        errors.fail(self.module, error, msg=msg)

    def rule(self, arn):
        try:
            return self.elbv2.describe_rules(aws_retry=True, RuleArns=[arn])["Rules"][0]
        except is_boto3_error_code("RuleNotFound"):
            return None
        except errors.AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Failed to read listener rule {arn}")

    def rule_at(self, listener_arn, priority):
        try:
            rules = traffic.paginate(self.elbv2, "describe_rules", ListenerArn=listener_arn)["Rules"]
        except errors.AWS_ERRORS as e:
            self.fail(e, f"Failed to read the rules of listener {listener_arn}")
        return next((r for r in rules if r.get("Priority") == str(priority)), None)

    def tags(self, arn):
        try:
            return traffic.rule_tags(self.elbv2, arn)
        except errors.AWS_ERRORS as e:
            self.fail(e, f"Failed to read the tags of listener rule {arn}")

    def create(self, listener_arn, priority, conditions, actions, tags):
        params = dict(ListenerArn=listener_arn, Priority=priority, Conditions=conditions, Actions=actions)
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        return self.elbv2.create_rule(aws_retry=True, **params)["Rules"][0]["RuleArn"]

    def delete(self, arn):
        try:
            self.elbv2.delete_rule(aws_retry=True, RuleArn=arn)
        except errors.AWS_ERRORS as e:
            self.fail(e, f"Failed to delete listener rule {arn} after the move")

    def run(self):
        source_arn, listener_arn = self.params["rule_arn"], self.params["listener_arn"]
        source = self.rule(source_arn)
        if source is None:
            return self.already_moved(source_arn, listener_arn)
        priority = self.params["priority"] or int(source["Priority"])
        conditions = self.params["conditions"] or portable_conditions(source)
        weights = forwarded(source)
        result = dict(
            changed=True,
            rule_arn=source_arn,
            moved_from=source_arn,
            weights={group_name(arn): weight for arn, weight in sorted(weights.items())},
        )
        if self.module._diff:
            result["diff"] = {
                "before": {"rule_arn": source_arn, "listener_arn": listener_of(source_arn)},
                "after": {"listener_arn": listener_arn, "priority": priority},
            }

        tags = self.tags(source_arn)
        lock = rollout_record.parse_lock(tags)
        now = time.time()
        if rollout_record.held_by_other(lock, None, now) and not self.params["break_lock"]:
            self.module.fail_json(
                msg=f"rule_arn: listener rule {source_arn} is locked by a deployment "
                f"({rollout_record.describe_lock(lock, now)}); nothing was moved. Run again when it ends, "
                "or set break_lock if that deployment is dead",
                **dict(result, changed=False),
            )
        tags = {k: v for k, v in tags.items() if k not in rollout_record.LOCK_TAGS}

        existing = self.rule_at(listener_arn, priority)
        if existing is not None:
            if set(forwarded(existing)) != set(weights):
                self.module.fail_json(
                    msg=f"priority: listener {listener_arn} already has another rule at priority {priority} "
                    f"({existing['RuleArn']}); nothing was moved",
                    **dict(result, changed=False),
                )
            result.update(order="delete_leftover", rule_arn=existing["RuleArn"])
            if not self.module.check_mode:
                self.delete(source_arn)
            return result

        actions = portable_actions(source)
        same_balancer = load_balancer_of(source_arn) == load_balancer_of(listener_arn)
        result["order"] = "create_then_delete" if same_balancer else "delete_then_create"
        if self.module.check_mode:
            return result
        if same_balancer:
            try:
                result["rule_arn"] = self.create(listener_arn, priority, conditions, actions, tags)
            except errors.AWS_ERRORS as e:
                self.fail(e, f"Failed to create the rule on listener {listener_arn}; {source_arn} is unchanged")
            self.delete(source_arn)
            return result
        self.delete(source_arn)
        try:
            result["rule_arn"] = self.create(listener_arn, priority, conditions, actions, tags)
        except errors.AWS_ERRORS as e:
            self.put_back(source, tags, e, listener_arn)
        return result

    def put_back(self, source, tags, error, listener_arn):
        """The new rule could not be created: restore the old one where it was, then fail."""
        old_listener = listener_of(source["RuleArn"])
        try:
            restored = self.create(
                old_listener, int(source["Priority"]), portable_conditions(source), portable_actions(source), tags
            )
        except errors.AWS_ERRORS as e:
            self.fail(e, f"Failed to create the rule on {listener_arn} ({error}) and to restore it on {old_listener}")
        self.fail(
            error, f"Failed to create the rule on listener {listener_arn}; restored on {old_listener}: {restored}"
        )

    def already_moved(self, source_arn, listener_arn):
        priority = self.params["priority"]
        existing = self.rule_at(listener_arn, priority) if priority else None
        if existing is None:
            self.module.fail_json(
                msg=f"rule_arn: listener rule {source_arn} does not exist"
                + (f" and listener {listener_arn} has no rule at priority {priority}" if priority else "")
            )
        return dict(
            changed=False,
            rule_arn=existing["RuleArn"],
            moved_from=None,
            order="none",
            weights={group_name(arn): weight for arn, weight in sorted(forwarded(existing).items())},
        )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            rule_arn=dict(type="str", required=True),
            listener_arn=dict(type="str", required=True),
            priority=dict(type="int"),
            conditions=dict(type="list", elements="dict"),
            break_lock=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**Move(module).run())


if __name__ == "__main__":
    main()
