#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: sagemaker_endpoint_info
version_added: 0.1.0
short_description: List or describe SageMaker endpoints with their configuration, variants and weights
description:
  - Describes one SageMaker endpoint by name, or lists endpoints (optionally filtered by name and status)
    and describes each.
  - Each endpoint comes with its live endpoint configuration, a per-variant view that joins the
    configuration (model, instance type, serverless settings) with the live state (weights, instance
    counts, variant status), and its tags.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  name:
    description:
      - Name of one endpoint. An endpoint that does not exist gives an empty RV(endpoints) list.
      - Mutually exclusive with O(name_contains) and O(status).
    type: str
  name_contains:
    description: Only endpoints whose name contains this string.
    type: str
  status:
    description: Only endpoints in this status.
    type: str
    choices: [OutOfService, Creating, Updating, SystemUpdating, RollingBack, InService, Deleting, Failed, UpdateRollbackFailed]
  include_models:
    description: Also describe the models the live configuration serves (one more call per model).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Describe the model endpoint of this environment
  mlops.aws_deploy.sagemaker_endpoint_info:
    name: mobileml-prod-model
  register: model_endpoint

- name: Check that all traffic goes to the variant that was just deployed
  ansible.builtin.assert:
    that:
      - model_endpoint.endpoints[0].endpoint_status == 'InService'
      - (model_endpoint.endpoints[0].variants | selectattr('name', 'equalto', 'main') | first).current_weight == 1.0

- name: List every endpoint of the application that is not InService
  mlops.aws_deploy.sagemaker_endpoint_info:
    name_contains: mobileml-
    status: Failed
  register: failed_endpoints
"""

RETURN = r"""
endpoints:
  description: The endpoints found, each as DescribeEndpoint shows it in snake_case, with more keys.
  returned: always
  type: list
  elements: dict
  contains:
    endpoint_name:
      description: Name of the endpoint.
      type: str
      sample: mobileml-prod-model
    endpoint_arn:
      description: ARN of the endpoint.
      type: str
      sample: arn:aws:sagemaker:us-east-1:123456789012:endpoint/mobileml-prod-model
    endpoint_status:
      description: Status of the endpoint.
      type: str
      sample: InService
    endpoint_config_name:
      description: Name of the live endpoint configuration.
      type: str
      sample: mobileml-prod-model-3f9a1c2e
    failure_reason:
      description: Why the last creation or update failed, when it did.
      type: str
      returned: when SageMaker reports one
      sample: "The primary container for production variant main did not pass the ping health check."
    production_variants:
      description: The variants as DescribeEndpoint shows them (weights, instance counts, status).
      type: list
      elements: dict
      sample:
        - variant_name: main
          current_weight: 1.0
          desired_weight: 1.0
          current_instance_count: 2
          desired_instance_count: 2
    variants:
      description: Each variant with its model and size from the configuration and its live weight and counts.
      type: list
      elements: dict
      sample:
        - name: main
          model_name: mobileml-prod-model-main-8b1d0c7a
          instance_type: ml.m5.large
          serverless:
          current_weight: 1.0
          desired_weight: 1.0
          current_instance_count: 2
          desired_instance_count: 2
          status: []
    endpoint_config:
      description: The live endpoint configuration as DescribeEndpointConfig shows it.
      type: dict
      sample:
        endpoint_config_name: mobileml-prod-model-3f9a1c2e
        production_variants:
          - variant_name: main
            model_name: mobileml-prod-model-main-8b1d0c7a
            instance_type: ml.m5.large
            initial_instance_count: 2
            initial_variant_weight: 1.0
    models:
      description: The models of the live configuration, by name, as DescribeModel shows them.
      type: dict
      returned: when O(include_models=true)
      sample:
        mobileml-prod-model-main-8b1d0c7a:
          model_name: mobileml-prod-model-main-8b1d0c7a
          primary_container:
            image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-prod/ml-model-service:abc123
            model_data_url: s3://mobileml-prod-models/models/7/model.tar.gz
    last_deployment_config:
      description: The deployment configuration of the last update.
      type: dict
      returned: when the endpoint was updated with one
      sample:
        blue_green_update_policy:
          traffic_routing_configuration:
            type: CANARY
            canary_size:
              type: CAPACITY_PERCENT
              value: 10
            wait_interval_in_seconds: 600
    tags:
      description: Tags of the endpoint.
      type: dict
      sample:
        Environment: prod
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils import sagemaker

STATUSES = [
    "OutOfService",
    "Creating",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "InService",
    "Deleting",
    "Failed",
    "UpdateRollbackFailed",
]


def describe(client, name, include_models):
    endpoint = sagemaker.describe_endpoint(client, name)
    if endpoint is None:  # deleted between the list and the describe
        return None
    config = None
    if endpoint.get("EndpointConfigName"):
        config = sagemaker.describe_endpoint_config(client, endpoint["EndpointConfigName"])
    result = sagemaker.endpoint_result(endpoint, sagemaker.get_tags(client, endpoint["EndpointArn"]), config)
    result["endpoint_config"] = sagemaker.snake(config) if config else {}
    if include_models:
        result["models"] = {}
        for model_name in sorted(sagemaker.config_models(config)):
            model = sagemaker.describe_model(client, model_name)
            result["models"][model_name] = sagemaker.snake(model) if model else None
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str"),
            name_contains=dict(type="str"),
            status=dict(type="str", choices=STATUSES),
            include_models=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("name", "name_contains"), ("name", "status")],
        supports_check_mode=True,
    )
    client = retries.client(module, "sagemaker")
    params = module.params
    try:
        if params["name"]:
            names = [params["name"]]
        else:
            summaries = sagemaker.list_endpoints(client, params["name_contains"], params["status"])
            names = sorted(s["EndpointName"] for s in summaries)
        endpoints = [describe(client, name, params["include_models"]) for name in names]
    except errors.AWS_ERRORS as e:
        errors.fail(
            module, e, msg="Failed to describe SageMaker endpoints; check that the credentials allow sagemaker:Describe* and "
            "sagemaker:List*"
        )
    module.exit_json(changed=False, endpoints=[e for e in endpoints if e is not None])


if __name__ == "__main__":
    main()
