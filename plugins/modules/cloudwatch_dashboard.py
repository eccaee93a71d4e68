#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Create, update or delete a CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates a CloudWatch dashboard from its body, updates it when the body differs from the one in
    AWS, and deletes it.
  - The body is compared with the dashboard's current body as JSON structures (key order and
    formatting do not matter), so a second run with the same body changes nothing.
  - Neither amazon.aws nor community.aws has a module for CloudWatch dashboards.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  name:
    description:
      - Name of the dashboard.
      - 1 to 255 characters among V(A-Z), V(a-z), V(0-9), V(-) and V(_) (what CloudWatch accepts).
    type: str
    required: true
  state:
    description:
      - Whether the dashboard exists with O(body), or does not exist.
    type: str
    choices: ['present', 'absent']
    default: present
  body:
    description:
      - The dashboard body, as the JSON object CloudWatch takes (a C(widgets) list, and optionally
        C(start), C(end), C(periodOverride)...), written as YAML.
      - See U(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
      - Required when O(state=present).
    type: dict
notes:
  - Support for check mode and diff mode. With C(--diff) the bodies before and after are shown (V({}) for a
    dashboard that does not exist).
  - CloudWatch dashboards cannot be tagged (CloudWatch's TagResource supports alarms and Contributor
    Insights rules only), so this module has no C(tags) option.
  - The warnings CloudWatch returns for a body it accepted (RV(validation_messages)) are shown as Ansible
    warnings; a body CloudWatch refuses fails the task with CloudWatch's reasons.
  - Dashboards are global to an account (their ARN has no region); the region only chooses the API
    endpoint and the console URL. Metric widgets name the region of their metrics themselves.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Dashboard of the backend's load balancer target group and ECS service
  mlops.aws_deploy.cloudwatch_dashboard:
    name: mobileml-prod-backend
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Requests
            region: us-east-1
            view: timeSeries
            stat: Sum
            period: 60
            metrics:
              - [AWS/ApplicationELB, RequestCount, TargetGroup, targetgroup/mobileml-prod-backend-blue/0a1b2c3d4e5f6a7b,
                 LoadBalancer, app/mobileml-prod/1a2b3c4d5e6f7a8b]
        - type: metric
          x: 12
          y: 0
          width: 12
          height: 6
          properties:
            title: Response time p99
            region: us-east-1
            view: timeSeries
            stat: p99
            period: 60
            metrics:
              - [AWS/ApplicationELB, TargetResponseTime, TargetGroup, targetgroup/mobileml-prod-backend-blue/0a1b2c3d4e5f6a7b,
                 LoadBalancer, app/mobileml-prod/1a2b3c4d5e6f7a8b]
        - type: metric
          x: 0
          y: 6
          width: 24
          height: 6
          properties:
            title: ECS CPU
            region: us-east-1
            view: timeSeries
            stat: Average
            period: 60
            yAxis: {left: {min: 0, max: 100}}
            metrics:
              - [AWS/ECS, CPUUtilization, ClusterName, mobileml-prod, ServiceName, mobileml-prod-backend-blue]
  register: dashboard

- name: Remove the dashboard
  mlops.aws_deploy.cloudwatch_dashboard:
    name: mobileml-prod-backend
    state: absent
"""

RETURN = r"""
action:
  description: What the module did or, in check mode, would do.
  returned: always
  type: str
  sample: update
  choices: ['create', 'update', 'delete', 'none']
dashboard:
  description: The dashboard as it is after the task; V({}) when O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The dashboard's name.
      type: str
      sample: mobileml-prod-backend
    arn:
      description: The dashboard's ARN. Missing in check mode for a dashboard that does not exist yet.
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/mobileml-prod-backend
    body:
      description: The dashboard body (in check mode, the body it would have).
      type: dict
      sample: {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
               "properties": {"title": "Requests", "region": "us-east-1", "stat": "Sum", "period": 60,
                              "metrics": [["AWS/ApplicationELB", "RequestCount", "TargetGroup", "targetgroup/blue/0a1b"]]}}]}
validation_messages:
  description: The warnings CloudWatch returned about the body it stored (empty when none or when nothing was put).
  returned: always
  type: list
  elements: dict
  contains:
    data_path:
      description: Where in the body the message is about.
      type: str
      sample: /widgets/0/properties/metrics/0
    message:
      description: CloudWatch's message.
      type: str
      sample: Should NOT have more than 2 items
  sample: []
url:
  description: The dashboard in the CloudWatch console.
  returned: when O(state=present)
  type: str
  sample: https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=mobileml-prod-backend
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import CloudWatchErrorHandler

NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_-]")
MAX_NAME_LENGTH = 255


def name_problem(name):
    """Why `name` is not a dashboard name CloudWatch accepts, or None."""
    if not name:
        return "name must not be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"name is {len(name)} characters long, CloudWatch allows at most {MAX_NAME_LENGTH}"
    invalid = sorted({c for c in name if not NAME_CHARACTERS.fullmatch(c)})
    if invalid:
        shown = " ".join(repr(c) for c in invalid)
        return f"name {name!r} contains {shown}: a dashboard name has only A-Z, a-z, 0-9, - and _"
    return None


def desired_body(body):
    """`body` as CloudWatch stores it (a JSON round-trip), or raise ValueError naming the problem."""
    try:
        parsed = json.loads(json.dumps(body))
    except (TypeError, ValueError) as e:
        raise ValueError(f"body is not JSON: {e}") from e
    if not isinstance(parsed.get("widgets"), list):
        raise ValueError("body has no widgets list: a dashboard body is {'widgets': [...], ...}")
    return parsed


def serialize(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


@CloudWatchErrorHandler.list_error_handler("read CloudWatch dashboard {name}")
def read_dashboard(client, name):
    """{name, arn, body} of the dashboard, or None when it does not exist."""
    response = client.get_dashboard(DashboardName=name, aws_retry=True)
    return {
        "name": response["DashboardName"],
        "arn": response["DashboardArn"],
        "body": json.loads(response["DashboardBody"]),
    }


@CloudWatchErrorHandler.common_error_handler("{action} CloudWatch dashboard {name}")
def put_dashboard(client, name, body, action):
    return client.put_dashboard(DashboardName=name, DashboardBody=serialize(body), aws_retry=True)


@CloudWatchErrorHandler.deletion_error_handler("delete CloudWatch dashboard {name}")
def delete_dashboard(client, name):
    """Delete the dashboard; False when it was already gone (deleted since we read it, or by a retried call)."""
    client.delete_dashboards(DashboardNames=[name], aws_retry=True)
    return True


def plan_action(current, desired, state):
    if state == "absent":
        return "delete" if current else "none"
    if current is None:
        return "create"
    return "none" if current["body"] == desired else "update"


def snake_messages(messages):
    return [{"data_path": m.get("DataPath"), "message": m.get("Message")} for m in messages or []]


def console_url(region, name):
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards:name={name}"


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        body=dict(type="dict"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    params = module.params
    name, state = params["name"], params["state"]

    # Arguments: checked before any AWS call.
    problem = name_problem(name)
    if problem:
        module.fail_json(msg=f"Invalid dashboard name: {problem}")
    desired = None
    if state == "present":
        try:
            desired = desired_body(params["body"])
        except ValueError as e:
            module.fail_json(msg=f"Invalid dashboard body of {name}: {e}")

    client = retries.client(module, "cloudwatch")
    try:
        run(module, client, name, state, desired)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


def run(module, client, name, state, desired):
    # Current state.
    current = read_dashboard(client, name)

    # Plan.
    action = plan_action(current, desired, state)
    result = dict(changed=action != "none", action=action, validation_messages=[])
    if module._diff:
        result["diff"] = {"before": current["body"] if current else {}, "after": desired or {}}
    if state == "present":
        result["url"] = console_url(module.region or client.meta.region_name, name)

    # Apply.
    after = current
    if action in ("create", "update") and not module.check_mode:
        try:
            response = put_dashboard(client, name, desired, action)
        except is_ansible_aws_error_code("InvalidParameterInput") as e:
            messages = snake_messages(e.exception.response.get("dashboardValidationMessages"))
            reasons = "; ".join(f"{m['data_path']}: {m['message']}" for m in messages)
            module.fail_json_aws(
                e.exception,
                msg=f"CloudWatch refused the body of dashboard {name}" + (f" ({reasons})" if reasons else ""),
                validation_messages=messages,
            )
        result["validation_messages"] = snake_messages(response.get("DashboardValidationMessages"))
        for message in result["validation_messages"]:
            module.warn(f"CloudWatch dashboard {name}: {message['data_path']}: {message['message']}")
        after = read_dashboard(client, name) or {"name": name, "body": desired}
    elif action in ("create", "update"):
        after = {"name": name, "body": desired}
        if current:
            after["arn"] = current["arn"]
    elif action == "delete" and not module.check_mode:
        delete_dashboard(client, name)

    result["dashboard"] = after if state == "present" else {}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
