#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: elb_listener_rule_conditions
short_description: Set the conditions of an existing ALB listener rule, leaving its actions alone
version_added: 0.1.0
description:
  - Sets the conditions of one Application Load Balancer listener rule (ELBv2 C(ModifyRule) with
    C(Conditions) only), so that its actions, and the weights of a weighted forward, stay as they are.
  - Conditions are compared as sets of values per field, so a second run changes nothing.
  - Why not M(amazon.aws.elb_application_lb) - it passes a rule's actions again (resetting weights that
    a blue/green deployment moved) and, when a condition is removed, it does not see the change; when one
    is changed, it sends only the changed conditions, which drops the others (a path-pattern rule would then
    match every path).
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  rule_arn:
    description: ARN of the listener rule.
    type: str
    required: true
  conditions:
    description:
      - The rule's conditions, in the shape ELBv2 takes (C(Field) and the field's config, for example
        C(PathPatternConfig) or C(SourceIpConfig), or C(Values) for C(path-pattern) and C(host-header)).
      - The whole set, so a condition the rule has and this list lacks is removed.
    type: list
    elements: dict
    required: true
notes:
  - Support for check mode and diff mode (the conditions before and after, as field -> values).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let only the VPC's NAT gateways reach /ml/* (the rule's weights stay as deployments left them)
  mlops.aws_deploy.elb_listener_rule_conditions:
    rule_arn: "{{ alb_rule_arns.ml }}"
    conditions:
      - Field: path-pattern
        PathPatternConfig: {Values: ["/ml/*"]}
      - Field: source-ip
        SourceIpConfig: {Values: ["203.0.113.10/32"]}
"""

RETURN = r"""
conditions:
  description: The rule's conditions after the run, as field -> sorted values.
  returned: always
  type: dict
  sample: {"path-pattern": ["/ml/*"], "source-ip": ["203.0.113.10/32"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries

# The config key of each condition field (ELBv2 RuleCondition).
CONFIG_KEYS = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}


def condition_key(condition):
    """(field name, with the header's name for http-header) -> a comparable form of one condition."""
    field = condition.get("Field")
    if field not in CONFIG_KEYS:
        raise ValueError(f"conditions: unknown Field {field!r} (one of {', '.join(sorted(CONFIG_KEYS))})")
    config = condition.get(CONFIG_KEYS[field]) or {}
    values = config.get("Values", condition.get("Values", []))
    if field == "query-string":
        values = [f"{v.get('Key', '')}={v.get('Value', '')}" for v in values]
    if field == "http-header":
        field = f"http-header:{config.get('HttpHeaderName', '')}"
    return field, sorted(str(v) for v in values)


def as_dict(conditions):
    return dict(condition_key(c) for c in conditions)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            rule_arn=dict(type="str", required=True), conditions=dict(type="list", elements="dict", required=True)
        ),
        supports_check_mode=True,
    )
    rule_arn, conditions = module.params["rule_arn"], module.params["conditions"]
    try:
        desired = as_dict(conditions)
    except ValueError as e:
        module.fail_json(msg=str(e))

    client = retries.client(module, "elbv2")
    try:
        rule = client.describe_rules(RuleArns=[rule_arn], aws_retry=True)["Rules"][0]
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read listener rule {rule_arn}")
    current = as_dict(rule["Conditions"])

    changed = current != desired
    result = dict(changed=changed, conditions=desired if changed else current)
    if module._diff:
        result["diff"] = {"before": current, "after": desired}
    if changed and not module.check_mode:
        try:
            client.modify_rule(RuleArn=rule_arn, Conditions=conditions, aws_retry=True)
        except errors.AWS_ERRORS as e:
            errors.fail(module, e, msg=f"Failed to set the conditions of listener rule {rule_arn}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
