# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Which blue/green ECS service, its listener rule and target groups (ecs_blue_green, ecs_blue_green_info);
    # the argument spec is module_utils/ecs.py's selection_argument_spec().
    DOCUMENTATION = r"""
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster.
    type: str
    required: true
  service:
    description:
      - Base name of the service; the colour services are C(<service>-blue) and C(<service>-green).
    type: str
    required: true
  listener_rule_arn:
    description:
      - ARN of the listener rule that forwards to both target groups.
      - Without it and without O(listener_arn), the one rule that forwards to both target groups on the listeners
        of their load balancer.
    type: str
  listener_arn:
    description:
      - ARN of the listener whose rule with the path pattern O(path) forwards to both target groups.
    type: str
  path:
    description:
      - Path pattern of the rule on O(listener_arn), for example C(/api/*).
    type: str
  target_groups:
    description:
      - The two target groups, by name or ARN.
    type: dict
    suboptions:
      blue:
        description:
          - Target group of the blue colour. Defaults to C(<service>-blue).
        type: str
      green:
        description:
          - Target group of the green colour. Defaults to C(<service>-green).
        type: str
"""
