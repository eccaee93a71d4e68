#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: application_autoscaling_info
short_description: List Application Auto Scaling targets with their scaling policies
version_added: 0.1.0
description:
  - Lists the scalable targets of one service namespace (ECS services, SageMaker variants...), each with
    its scaling policies, in one call for the targets and one per target for its policies.
  - The read that lets a role change autoscaling only where it differs (community.aws has the module that
    changes it, M(community.aws.application_autoscaling_policy), but none that reads it).
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
      - Only these resources, for example V(service/<cluster>/<service>) for an ECS service.
      - Read 50 at a time (what one DescribeScalableTargets call takes).
      - A resource that is not registered is left out of the result.
    type: list
    elements: str
  scalable_dimension:
    description:
      - Only this dimension, for example V(ecs:service:DesiredCount).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the autoscaling of two ECS services
  mlops.aws_deploy.application_autoscaling_info:
    service_namespace: ecs
    resource_ids:
      - service/mobileml-prod/mobileml-prod-backend-blue
      - service/mobileml-prod/mobileml-prod-backend-green
  register: scaling

- name: Every scaled variant of every SageMaker endpoint
  mlops.aws_deploy.application_autoscaling_info:
    service_namespace: sagemaker
    scalable_dimension: sagemaker:variant:DesiredInstanceCount
"""

RETURN = r"""
scalable_targets:
  description: The registered scalable targets, each with its scaling policies.
  returned: always
  type: list
  elements: dict
  contains:
    resource_id:
      description: The scaled resource.
      type: str
      sample: service/mobileml-prod/mobileml-prod-backend-blue
    scalable_dimension:
      description: What scales.
      type: str
      sample: ecs:service:DesiredCount
    min_capacity:
      description: The lowest capacity autoscaling may set.
      type: int
      sample: 2
    max_capacity:
      description: The highest capacity autoscaling may set.
      type: int
      sample: 10
    role_arn:
      description: The role Application Auto Scaling uses.
      type: str
      sample: arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService
    scaling_policies:
      description: The target's scaling policies (AWS's fields in snake_case).
      type: list
      elements: dict
      sample:
        - policy_name: mobileml-prod-backend-cpu
          policy_type: TargetTrackingScaling
          target_tracking_scaling_policy_configuration:
            predefined_metric_specification: {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}
            target_value: 60.0
            scale_in_cooldown: 300
            scale_out_cooldown: 60
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.autoscaling import RETRY
from ansible_collections.mlops.aws_deploy.plugins.module_utils.autoscaling import SERVICE_NAMESPACES
from ansible_collections.mlops.aws_deploy.plugins.module_utils.autoscaling import read_targets


def read_policies(client, target):
    return paginated_query_with_retries(
        client,
        "describe_scaling_policies",
        RETRY,
        ServiceNamespace=target["ServiceNamespace"],
        ResourceId=target["ResourceId"],
        ScalableDimension=target["ScalableDimension"],
    )["ScalingPolicies"]


def summarize(target, policies):
    result = camel_dict_to_snake_dict({k: v for k, v in target.items() if k != "CreationTime"})
    result["scaling_policies"] = [
        camel_dict_to_snake_dict({k: v for k, v in policy.items() if k not in ("CreationTime", "Alarms")})
        for policy in policies
    ]
    return result


def main():
    argument_spec = dict(
        service_namespace=dict(
            type="str",
            required=True,
            choices=list(SERVICE_NAMESPACES),
        ),
        resource_ids=dict(type="list", elements="str"),
        scalable_dimension=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    resource_ids = params["resource_ids"]
    if resource_ids == []:
        module.exit_json(changed=False, scalable_targets=[])

    client = retries.client(module, "application-autoscaling")
    try:
        targets = read_targets(client, params["service_namespace"], resource_ids, params["scalable_dimension"])
        summaries = [summarize(target, read_policies(client, target)) for target in targets]
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read the scalable targets of namespace {params['service_namespace']}")
    module.exit_json(changed=False, scalable_targets=summaries)


if __name__ == "__main__":
    main()
