#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: sagemaker_endpoint
version_added: 0.1.0
short_description: Manage a SageMaker real-time endpoint with its models and endpoint configuration
description:
  - Manages a SageMaker endpoint, the endpoint configuration it runs and the models that
    configuration serves as one desired state.
  - Models and endpoint configurations are immutable in SageMaker. This module names each by a
    short hash of its content (C(<name>-<model>-<hash>) for models, C(<name>-<hash>) for
    configurations). An unchanged spec maps to the same names and changes nothing. A changed spec
    creates the new models and configuration, updates the endpoint to it with O(deployment_config),
    waits, and only then removes the superseded configurations (keeping O(retain_configs)) and the
    models that only they used.
  - The live configuration of the endpoint and the models it uses are never deleted.
  - After an update the module compares the endpoint's live configuration with the requested one.
    When SageMaker rolled the deployment back by itself (an alarm of O(deployment_config.auto_rollback_alarms)
    went off, or the new fleet failed), the result has RV(rolled_back=true) and RV(failure_reason), and the
    module fails unless O(fail_on_rollback=false).
  - A change of variant weights only is applied in place with UpdateEndpointWeightsAndCapacities,
    without a new configuration.
  - Per-variant autoscaling is managed through Application Auto Scaling (a scalable target on
    C(sagemaker:variant:DesiredInstanceCount) and a target tracking policy on invocations per instance).
  - An update keeps the live instance counts when a variant that autoscaling manages stays on the
    endpoint (same name and instance type), so a model update does not drop an endpoint that scaled
    out back to O(variants[].initial_instance_count) (UpdateEndpoint with C(RetainAllVariantProperties));
    weights and data capture still come from the new configuration. When a variant without autoscaling
    asks for another instance count in the same update, the counts of the new configuration apply.
    The plan's C(update_endpoint) step says which with C(retain_instance_counts).
  - In check mode the module returns the plan (RV(plan)) without making one mutating call;
    with C(--diff) it shows the configuration before and after.
  - Bad input (a variant that names an unknown model, a canary size out of SageMaker's bounds, a
    serverless variant with instance settings, weights that are all zero, ...) fails before any AWS call,
    naming the field.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  name:
    description:
      - Name of the endpoint. Also the prefix of the names of its models and configurations.
    required: true
    type: str
  state:
    description:
      - V(present) creates or updates the endpoint; V(absent) deletes it, its autoscaling targets,
        the configurations this module made for it and their models.
    choices: [present, absent]
    default: present
    type: str
  models:
    description:
      - The models the variants serve. Required when O(state=present).
      - A model is referred to by its O(models[].name) from O(variants[].model); the SageMaker model
        is named C(<endpoint>-<name>-<hash of its content>).
    type: list
    elements: dict
    suboptions:
      name:
        description: Logical name of the model, unique within the endpoint.
        required: true
        type: str
      image:
        description: Inference container image (ECR URI with tag or digest).
        required: true
        type: str
      model_data_url:
        description: S3 URI of the model artifact (C(model.tar.gz)), extracted under C(/opt/ml/model).
        type: str
      environment:
        description: Environment variables of the container.
        type: dict
        default: {}
      execution_role_arn:
        description: IAM role SageMaker assumes to pull the image and read the model data.
        required: true
        type: str
      vpc_config:
        description: Subnets and security groups of the model's containers.
        type: dict
        suboptions:
          subnets:
            description: Subnet IDs.
            type: list
            elements: str
            required: true
          security_group_ids:
            description: Security group IDs.
            type: list
            elements: str
            required: true
      enable_network_isolation:
        description: Run the container without network access.
        type: bool
        default: false
  variants:
    description:
      - The production variants of the endpoint configuration. Required when O(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: Variant name, unique within the endpoint.
        required: true
        type: str
      model:
        description: The O(models[].name) this variant serves.
        required: true
        type: str
      instance_type:
        description: ML instance type, for example V(ml.m5.large). Required unless O(variants[].serverless) is set.
        type: str
      initial_instance_count:
        description:
          - Instances the variant starts with. Defaults to 1 for instance-backed variants.
          - With O(variants[].autoscaling), Application Auto Scaling changes the live count afterwards;
            that is not a change of this spec.
        type: int
      initial_variant_weight:
        description:
          - Relative share of traffic. At least one variant must have a weight above 0.
          - Weights are rollout state, not part of the configuration's identity, so a change of
            weights only is applied in place with UpdateEndpointWeightsAndCapacities.
        type: float
        default: 1.0
      serverless:
        description: Serverless inference instead of instances. Excludes the instance settings and autoscaling.
        type: dict
        suboptions:
          memory_size_in_mb:
            description: Memory, one of 1024, 2048, 3072, 4096, 5120 or 6144.
            type: int
            required: true
          max_concurrency:
            description: Maximum concurrent invocations, 1-200.
            type: int
            required: true
          provisioned_concurrency:
            description: Provisioned concurrency, 1 to O(variants[].serverless.max_concurrency).
            type: int
      managed_instance_scaling:
        description: SageMaker managed instance scaling of the variant (for inference components).
        type: dict
        suboptions:
          enabled:
            description: Whether managed instance scaling is enabled.
            type: bool
            default: true
          min_instance_count:
            description: Minimum number of instances.
            type: int
          max_instance_count:
            description: Maximum number of instances.
            type: int
      autoscaling:
        description: Scale the variant's instance count with Application Auto Scaling.
        type: dict
        suboptions:
          min_capacity:
            description: Minimum instance count (1 or more).
            type: int
            required: true
          max_capacity:
            description: Maximum instance count.
            type: int
            required: true
          target_invocations_per_instance:
            description: Target of C(SageMakerVariantInvocationsPerInstance) (invocations per minute per instance).
            type: float
            required: true
          scale_in_cooldown:
            description: Seconds after a scale-in before another scale-in.
            type: int
            default: 300
          scale_out_cooldown:
            description: Seconds after a scale-out before another scale-out.
            type: int
            default: 60
      container_startup_health_check_timeout:
        description: Seconds SageMaker waits for the container's C(/ping) to pass, 60-3600.
        type: int
      model_data_download_timeout:
        description: Seconds to download the model data, 60-3600.
        type: int
  data_capture:
    description:
      - Capture requests and responses of the endpoint to S3 (for model monitoring).
      - SageMaker Serverless Inference does not support data capture; with a serverless variant the
        module fails before any AWS call.
    type: dict
    suboptions:
      enabled:
        description: Whether capture is on.
        type: bool
        default: true
      sampling_percentage:
        description: Percentage of requests captured, 0-100.
        type: int
        default: 100
      destination_s3_uri:
        description: S3 URI the captures are written under.
        type: str
        required: true
      capture_request:
        description: Capture the request payload.
        type: bool
        default: true
      capture_response:
        description: Capture the response payload.
        type: bool
        default: true
      kms_key_id:
        description: KMS key that encrypts the captured data.
        type: str
      csv_content_types:
        description: Content types captured as CSV.
        type: list
        elements: str
      json_content_types:
        description: Content types captured as JSON.
        type: list
        elements: str
  async_inference:
    description: Make the endpoint asynchronous; results are written to S3.
    type: dict
    suboptions:
      output_path:
        description: S3 URI where results are written.
        type: str
        required: true
      failure_path:
        description: S3 URI where failed requests are written.
        type: str
      kms_key_id:
        description: KMS key that encrypts the results.
        type: str
      success_topic:
        description: SNS topic notified of each success.
        type: str
      error_topic:
        description: SNS topic notified of each failure.
        type: str
      max_concurrent_invocations_per_instance:
        description: Concurrent requests sent to each instance.
        type: int
  deployment_config:
    description:
      - How an update of the endpoint to a new configuration moves traffic (deployment guardrails).
        Not part of the configuration's identity; it applies to the update that this run makes.
      - Without it SageMaker replaces the fleet all at once.
    type: dict
    suboptions:
      blue_green:
        description: Blue/green update. Mutually exclusive with O(deployment_config.rolling_update).
        type: dict
        suboptions:
          traffic_routing:
            description: Shift traffic in one step, a canary step then the rest, or linear steps.
            type: str
            choices: [all_at_once, canary, linear]
            default: all_at_once
          canary_size:
            description:
              - Size of the canary step, required for O(deployment_config.blue_green.traffic_routing=canary).
              - SageMaker's bounds are 1-50% of a variant's instance count.
            type: int
          linear_step_size:
            description:
              - Size of each linear step, required for O(deployment_config.blue_green.traffic_routing=linear).
              - SageMaker's bounds are 10-50% of a variant's instance count.
            type: int
          size_unit:
            description: Unit of O(deployment_config.blue_green.canary_size) and O(deployment_config.blue_green.linear_step_size).
            type: str
            choices: [capacity_percent, instance_count]
            default: capacity_percent
          wait_interval:
            description:
              - Seconds between traffic steps (the bake time during which alarms are watched), 0-3600.
              - Defaults to 0 for V(all_at_once) and 300 for V(canary) and V(linear).
            type: int
          termination_wait:
            description: Seconds the old fleet is kept after all traffic moved, 0-3600.
            type: int
          maximum_execution_timeout:
            description: Upper bound of the whole deployment in seconds, 600-28800.
            type: int
      rolling_update:
        description: Rolling update in batches. Mutually exclusive with O(deployment_config.blue_green).
        type: dict
        suboptions:
          batch_size:
            description: Size of each batch; SageMaker's bounds are 5-50% of a variant's instance count.
            type: int
            required: true
          batch_size_unit:
            description: Unit of O(deployment_config.rolling_update.batch_size).
            type: str
            choices: [capacity_percent, instance_count]
            default: capacity_percent
          wait_interval:
            description: Bake time of each batch in seconds, 0-3600.
            type: int
            default: 0
          maximum_execution_timeout:
            description: Upper bound of the whole deployment in seconds, 600-28800.
            type: int
          rollback_batch_size:
            description: Size of each rollback batch (SageMaker's default is the whole fleet at once).
            type: int
          rollback_batch_size_unit:
            description: Unit of O(deployment_config.rolling_update.rollback_batch_size).
            type: str
            choices: [capacity_percent, instance_count]
            default: capacity_percent
      auto_rollback_alarms:
        description: CloudWatch alarm names (at most 10); SageMaker rolls the update back when one goes into ALARM.
        type: list
        elements: str
  kms_key_id:
    description: KMS key that encrypts the storage volumes of the endpoint's instances.
    type: str
  retain_configs:
    description:
      - Superseded configurations of this endpoint to keep (the newest ones), for example for a
        manual rollback. Older ones, and the models only they use, are deleted after a successful update.
    type: int
    default: 0
  fail_on_rollback:
    description:
      - Fail when SageMaker rolled an update back. With V(false) the module returns
        RV(rolled_back=true) with a warning instead.
    type: bool
    default: true
  wait:
    description:
      - Wait until the endpoint is InService (or deleted) after each change.
      - With V(false) the module returns once the change has started; autoscaling and the removal of
        superseded configurations are then left to the next run (see RV(deferred)), and no rollback is detected.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each change of the endpoint. Blue/green updates with bake times need
        at least the sum of their wait intervals.
    type: int
    default: 3600
notes:
  - Tags are applied to the endpoint, and to the models and configurations this module creates.
    Changing O(tags) later retags the endpoint only.
  - Models and configurations are found by their names (C(<name>-<8 hex digits>) for configurations);
    do not give other resources such names.
  - Needs the IAM actions C(sagemaker:CreateModel), C(sagemaker:CreateEndpointConfig),
    C(sagemaker:CreateEndpoint), C(sagemaker:UpdateEndpoint), C(sagemaker:UpdateEndpointWeightsAndCapacities),
    C(sagemaker:Describe*), C(sagemaker:List*), C(sagemaker:Delete*), C(sagemaker:AddTags), C(sagemaker:DeleteTags),
    C(iam:PassRole) on the execution roles, and C(application-autoscaling:*) on the variants when autoscaling is used.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Serve the model from a two-instance endpoint, canary updates with alarm rollback
  mlops.aws_deploy.sagemaker_endpoint:
    name: mobileml-prod-model
    models:
      - name: main
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-prod/ml-model-service:abc123
        model_data_url: s3://mobileml-prod-models/models/7/model.tar.gz
        execution_role_arn: arn:aws:iam::123456789012:role/mobileml-prod-sagemaker
        environment:
          LOG_LEVEL: info
    variants:
      - name: main
        model: main
        instance_type: ml.m5.large
        initial_instance_count: 2
        autoscaling:
          min_capacity: 2
          max_capacity: 6
          target_invocations_per_instance: 700
    data_capture:
      destination_s3_uri: s3://mobileml-prod-models/capture
      sampling_percentage: 20
    deployment_config:
      blue_green:
        traffic_routing: canary
        canary_size: 10
        wait_interval: 600
        termination_wait: 300
        maximum_execution_timeout: 3600
      auto_rollback_alarms:
        - mobileml-prod-model-5xx
        - mobileml-prod-model-latency
    retain_configs: 1
    tags:
      Environment: prod
  register: endpoint

- name: Shift 10% of the traffic to a second variant (a weight-only change, no new configuration)
  mlops.aws_deploy.sagemaker_endpoint:
    name: mobileml-stage-model
    models:
      - name: v7
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-stage/ml-model-service:abc123
        model_data_url: s3://mobileml-stage-models/models/7/model.tar.gz
        execution_role_arn: arn:aws:iam::123456789012:role/mobileml-stage-sagemaker
      - name: v8
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-stage/ml-model-service:abc123
        model_data_url: s3://mobileml-stage-models/models/8/model.tar.gz
        execution_role_arn: arn:aws:iam::123456789012:role/mobileml-stage-sagemaker
    variants:
      - name: v7
        model: v7
        instance_type: ml.m5.large
        initial_variant_weight: 0.9
      - name: v8
        model: v8
        instance_type: ml.m5.large
        initial_variant_weight: 0.1

- name: A serverless endpoint for a development environment
  mlops.aws_deploy.sagemaker_endpoint:
    name: mobileml-dev-model
    models:
      - name: main
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-dev/ml-model-service:latest
        model_data_url: s3://mobileml-dev-models/models/7/model.tar.gz
        execution_role_arn: arn:aws:iam::123456789012:role/mobileml-dev-sagemaker
    variants:
      - name: main
        model: main
        serverless:
          memory_size_in_mb: 2048
          max_concurrency: 5

- name: Show what an update would do, without doing it
  mlops.aws_deploy.sagemaker_endpoint:
    name: mobileml-prod-model
    models: "{{ ml_models }}"
    variants: "{{ ml_variants }}"
  check_mode: true
  register: preview

- name: Print the plan
  ansible.builtin.debug:
    var: preview.plan

- name: Delete the endpoint, its configurations and its models
  mlops.aws_deploy.sagemaker_endpoint:
    name: mobileml-dev-model
    state: absent
"""

RETURN = r"""
endpoint:
  description:
    - The endpoint as DescribeEndpoint shows it, in snake_case, with its tags and a per-variant view
      that joins the configuration (model, instance type) and the live state (weights, counts).
    - Empty when the endpoint is absent, or in check mode when it would be created.
  returned: always
  type: dict
  sample:
    endpoint_name: mobileml-prod-model
    endpoint_arn: arn:aws:sagemaker:us-east-1:123456789012:endpoint/mobileml-prod-model
    endpoint_config_name: mobileml-prod-model-3f9a1c2e
    endpoint_status: InService
    production_variants:
      - variant_name: main
        current_weight: 1.0
        desired_weight: 1.0
        current_instance_count: 2
        desired_instance_count: 2
    variants:
      - name: main
        model_name: mobileml-prod-model-main-8b1d0c7a
        instance_type: ml.m5.large
        serverless:
        current_weight: 1.0
        desired_weight: 1.0
        current_instance_count: 2
        desired_instance_count: 2
        status: []
    tags:
      Environment: prod
endpoint_config_name:
  description: Name of the requested (content-hashed) endpoint configuration.
  returned: when state=present
  type: str
  sample: mobileml-prod-model-3f9a1c2e
endpoint_config:
  description: The live endpoint configuration as DescribeEndpointConfig shows it, in snake_case.
  returned: always
  type: dict
  sample:
    endpoint_config_name: mobileml-prod-model-3f9a1c2e
    production_variants:
      - variant_name: main
        model_name: mobileml-prod-model-main-8b1d0c7a
        instance_type: ml.m5.large
        initial_instance_count: 2
        initial_variant_weight: 1.0
model_names:
  description: SageMaker names of the requested models, by their logical names.
  returned: when state=present
  type: dict
  sample:
    main: mobileml-prod-model-main-8b1d0c7a
plan:
  description:
    - The steps, in order, that this run made (or in check mode would make). Empty when nothing changes.
    - Each step has an C(action) (V(create_model), V(create_endpoint_config), V(create_endpoint),
      V(update_endpoint), V(update_weights), V(delete_endpoint), V(register_scalable_target),
      V(put_scaling_policy), V(deregister_scalable_target), V(tag_endpoint), V(delete_endpoint_config),
      V(delete_model)) and the names it acts on.
  returned: always
  type: list
  elements: dict
  sample:
    - action: create_model
      model: main
      model_name: mobileml-prod-model-main-8b1d0c7a
    - action: create_endpoint_config
      endpoint_config_name: mobileml-prod-model-3f9a1c2e
    - action: update_endpoint
      endpoint_name: mobileml-prod-model
      from_endpoint_config_name: mobileml-prod-model-0c4e77d1
      endpoint_config_name: mobileml-prod-model-3f9a1c2e
      deployment: blue/green canary 10%, rollback on alarms mobileml-prod-model-5xx
      retain_instance_counts: true
    - action: delete_endpoint_config
      endpoint_config_name: mobileml-prod-model-0c4e77d1
deferred:
  description: Steps left to the next run because O(wait=false) returned before the endpoint was InService.
  returned: always
  type: list
  elements: dict
  sample: []
rolled_back:
  description: Whether SageMaker rolled the update back, leaving another configuration live than the one requested.
  returned: always
  type: bool
  sample: false
failure_reason:
  description: SageMaker's FailureReason of the endpoint after a rollback or a failure.
  returned: when SageMaker reports one
  type: str
  sample: "Alarm mobileml-prod-model-5xx went into ALARM during the canary step"
"""

import copy

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.mlops.aws_deploy.plugins.module_utils import autoscaling
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import iam_propagation
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils import sagemaker
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import DesiredEndpoint
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import SpecError
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import check_arguments
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import config_view

SIZE_UNITS = ["capacity_percent", "instance_count"]


def argument_spec():
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        models=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                image=dict(type="str", required=True),
                model_data_url=dict(type="str"),
                environment=dict(type="dict", default={}),
                execution_role_arn=dict(type="str", required=True),
                vpc_config=dict(
                    type="dict",
                    options=dict(
                        subnets=dict(type="list", elements="str", required=True),
                        security_group_ids=dict(type="list", elements="str", required=True),
                    ),
                ),
                enable_network_isolation=dict(type="bool", default=False),
            ),
        ),
        variants=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                model=dict(type="str", required=True),
                instance_type=dict(type="str"),
                initial_instance_count=dict(type="int"),
                initial_variant_weight=dict(type="float", default=1.0),
                serverless=dict(
                    type="dict",
                    options=dict(
                        memory_size_in_mb=dict(type="int", required=True),
                        max_concurrency=dict(type="int", required=True),
                        provisioned_concurrency=dict(type="int"),
                    ),
                ),
                managed_instance_scaling=dict(
                    type="dict",
                    options=dict(
                        enabled=dict(type="bool", default=True),
                        min_instance_count=dict(type="int"),
                        max_instance_count=dict(type="int"),
                    ),
                ),
                autoscaling=dict(
                    type="dict",
                    options=dict(
                        min_capacity=dict(type="int", required=True),
                        max_capacity=dict(type="int", required=True),
                        target_invocations_per_instance=dict(type="float", required=True),
                        scale_in_cooldown=dict(type="int", default=300),
                        scale_out_cooldown=dict(type="int", default=60),
                    ),
                ),
                container_startup_health_check_timeout=dict(type="int"),
                model_data_download_timeout=dict(type="int"),
            ),
        ),
        data_capture=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                sampling_percentage=dict(type="int", default=100),
                destination_s3_uri=dict(type="str", required=True),
                capture_request=dict(type="bool", default=True),
                capture_response=dict(type="bool", default=True),
                kms_key_id=dict(type="str"),
                csv_content_types=dict(type="list", elements="str"),
                json_content_types=dict(type="list", elements="str"),
            ),
        ),
        async_inference=dict(
            type="dict",
            options=dict(
                output_path=dict(type="str", required=True),
                failure_path=dict(type="str"),
                kms_key_id=dict(type="str"),
                success_topic=dict(type="str"),
                error_topic=dict(type="str"),
                max_concurrent_invocations_per_instance=dict(type="int"),
            ),
        ),
        deployment_config=dict(
            type="dict",
            options=dict(
                blue_green=dict(
                    type="dict",
                    options=dict(
                        traffic_routing=dict(type="str", default="all_at_once", choices=["all_at_once", "canary", "linear"]),
                        canary_size=dict(type="int"),
                        linear_step_size=dict(type="int"),
                        size_unit=dict(type="str", default="capacity_percent", choices=SIZE_UNITS),
                        wait_interval=dict(type="int"),
                        termination_wait=dict(type="int"),
                        maximum_execution_timeout=dict(type="int"),
                    ),
                ),
                rolling_update=dict(
                    type="dict",
                    options=dict(
                        batch_size=dict(type="int", required=True),
                        batch_size_unit=dict(type="str", default="capacity_percent", choices=SIZE_UNITS),
                        wait_interval=dict(type="int", default=0),
                        maximum_execution_timeout=dict(type="int"),
                        rollback_batch_size=dict(type="int"),
                        rollback_batch_size_unit=dict(type="str", default="capacity_percent", choices=SIZE_UNITS),
                    ),
                ),
                auto_rollback_alarms=dict(type="list", elements="str"),
            ),
            mutually_exclusive=[("blue_green", "rolling_update")],
        ),
        kms_key_id=dict(type="str"),
        retain_configs=dict(type="int", default=0),
        fail_on_rollback=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    )


class EndpointRun:
    """One run of the module: current state, plan, apply, result."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = self.params["name"]
        self.desired = DesiredEndpoint(self.params) if self.params["state"] == "present" else None
        self.client = retries.client(module, "sagemaker")
        self.scaling = retries.client(module, "application-autoscaling")
        self.result = {"changed": False, "plan": [], "deferred": [], "rolled_back": False}
        self.snapshot = {}

    # -- current state ---------------------------------------------------------------------

    def read_current(self):
        try:
            current = sagemaker.read_current(self.client, self.scaling, self.name, self.desired)
        except errors.AWS_ERRORS as e:
            errors.fail(
                self.module, e, msg=f"Failed to read endpoint {self.name} and its configurations; check the credentials and "
                "that they allow sagemaker:Describe*, sagemaker:List* and application-autoscaling:Describe*"
            )
        endpoint = current["endpoint"]
        if endpoint and endpoint["EndpointStatus"] in sagemaker.IN_PROGRESS and not self.module.check_mode:
            if not self.params["wait"]:
                self.module.fail_json(
                    msg=f"Endpoint {self.name} is {endpoint['EndpointStatus']}; SageMaker accepts no change until it is "
                    "settled. Re-run later, or with wait=true to wait for it.",
                    **self.result,
                )
            # Another change is in flight: let it settle, then plan against where it ended.
            waiter = "endpoint_deleted" if endpoint["EndpointStatus"] == "Deleting" else "endpoint_in_service"
            self.wait(waiter, "settle its change in progress", accept=("Failed", "UpdateRollbackFailed", "OutOfService"))
            return self.read_current()
        return current

    # -- plan --------------------------------------------------------------------------------

    def plan(self, current):
        if self.desired is None:
            return sagemaker.plan_absent(current), []
        return sagemaker.plan_present(
            self.desired,
            current,
            retain_configs=self.params["retain_configs"],
            tags=self._tags(),
            purge_tags=self.params["purge_tags"],
            wait=self.params["wait"],
        )

    def _tags(self):
        return self.params["tags"]

    def diff(self, current):
        endpoint = current["endpoint"]
        before = {}
        if endpoint:
            live = current["live_config"] or {}
            models = {m: current["models"].get(m) or {} for m in sagemaker.config_models(live)}
            before = config_view(endpoint.get("EndpointConfigName"), live, models, sagemaker.live_weights(endpoint),
                                 current["tags"])
            before["autoscaling"] = autoscaling.scaling_view(current["scaling"])
        after = {}
        if self.desired:
            models = {entry["name"]: entry["request"] for entry in self.desired.models.values()}
            tags = current["tags"] if self.params["tags"] is None else self._desired_tags(current["tags"])
            after = config_view(self.desired.config_name, self.desired.config_request, models, self.desired.weights, tags)
            after["autoscaling"] = autoscaling.scaling_view(
                autoscaling.desired_scaling(self.name, self.desired.variant_specs)
            )
        return {"before": sagemaker.snake(before), "after": sagemaker.snake(after)}

    def _desired_tags(self, current_tags):
        tags = dict(self.params["tags"])
        if not self.params["purge_tags"]:
            tags = dict(current_tags, **tags)
        else:
            tags.update({k: v for k, v in current_tags.items() if k.startswith("aws:")})
        return tags

    # -- apply -------------------------------------------------------------------------------

    def apply(self, steps, current):
        self.snapshot = copy.deepcopy(current["scaling"])
        done = []
        for step in steps:
            self.result["plan"] = done
            self.apply_step(step)
            done.append(step)
            if step["action"] == "update_endpoint" and self.params["wait"] and self.check_rollback():
                self.restore_scaling(steps)
                break
        self.result["plan"] = done

    def apply_step(self, step):
        action = step["action"]
        try:
            if autoscaling.is_step(step):
                autoscaling.apply_step(self.scaling, self.name, step)
            elif action == "create_model":
                request = self.desired.model_request_by_name(step["model_name"])
                # A role created moments ago (same play) is refused until IAM has propagated it.
                iam_propagation.call_while_role_propagates(
                    lambda: self.client.create_model(
                        ModelName=step["model_name"], Tags=self._tag_list(), aws_retry=True, **request
                    ),
                    iam_propagation.SAGEMAKER_ASSUME_ROLE,
                )
            elif action == "create_endpoint_config":
                self.client.create_endpoint_config(
                    EndpointConfigName=step["endpoint_config_name"], Tags=self._tag_list(), aws_retry=True,
                    **self.desired.config_request
                )
            elif action == "create_endpoint":
                self.client.create_endpoint(
                    EndpointName=self.name, EndpointConfigName=step["endpoint_config_name"], Tags=self._tag_list(),
                    aws_retry=True,
                )
                self.wait("endpoint_in_service", "become InService after its creation")
            elif action == "update_endpoint":
                extra = {"DeploymentConfig": self.desired.deployment} if self.desired.deployment else {}
                extra.update(sagemaker.update_endpoint_retention(step))
                self.client.update_endpoint(
                    EndpointName=self.name, EndpointConfigName=step["endpoint_config_name"], aws_retry=True, **extra
                )
                self.wait("endpoint_in_service", f"finish its update to {step['endpoint_config_name']}",
                          accept=("UpdateRollbackFailed",))
            elif action == "update_weights":
                self.client.update_endpoint_weights_and_capacities(
                    EndpointName=self.name,
                    DesiredWeightsAndCapacities=[
                        {"VariantName": variant, "DesiredWeight": change["to"]}
                        for variant, change in sorted(step["weights"].items())
                    ],
                    aws_retry=True,
                )
                self.wait("endpoint_in_service", "apply the new variant weights")
            elif action == "delete_endpoint":
                self.client.delete_endpoint(EndpointName=self.name, aws_retry=True)
                self.wait("endpoint_deleted", "be deleted")
            elif action == "tag_endpoint":
                arn = sagemaker.describe_endpoint(self.client, self.name)["EndpointArn"]
                sagemaker.apply_tags(self.client, arn, step)
            elif action == "delete_endpoint_config":
                self.guard_live(config_name=step["endpoint_config_name"])
                self.client.delete_endpoint_config(EndpointConfigName=step["endpoint_config_name"], aws_retry=True)
            elif action == "delete_model":
                self.guard_live(model_name=step["model_name"])
                self.client.delete_model(ModelName=step["model_name"], aws_retry=True)
        except errors.AWS_ERRORS as e:
            errors.fail(self.module, e, msg=self.error_message(step), **self.result)

    def _tag_list(self):
        return ansible_dict_to_boto3_tag_list(self.params["tags"] or {})

    def guard_live(self, config_name=None, model_name=None):
        """Never delete the live configuration, or a model it uses: check SageMaker, not the plan."""
        endpoint = sagemaker.describe_endpoint(self.client, self.name)
        if endpoint is None or endpoint["EndpointStatus"] == "Deleting":
            return  # state=absent: nothing is live any more
        live = endpoint.get("EndpointConfigName")
        if config_name and config_name == live:
            self.module.fail_json(msg=f"Refusing to delete {config_name}: it is the live configuration of {self.name}.",
                                  **self.result)
        if model_name:
            live_config = sagemaker.describe_endpoint_config(self.client, live) if live else None
            if model_name in sagemaker.config_models(live_config):
                self.module.fail_json(msg=f"Refusing to delete model {model_name}: the live configuration {live} uses it.",
                                      **self.result)

    def error_message(self, step):
        action = step["action"]
        hints = {
            "create_model": f"Failed to create model {step.get('model_name')}; check that the execution role exists, "
            "trusts sagemaker.amazonaws.com and may be passed (iam:PassRole), and that the image and model data exist",
            "create_endpoint_config": f"Failed to create endpoint configuration {step.get('endpoint_config_name')}; check "
            "the instance types (quota, region) and the KMS key",
            "create_endpoint": f"Failed to create endpoint {self.name}; check the instance quota of the account",
            "update_endpoint": f"Failed to update endpoint {self.name} to {step.get('endpoint_config_name')}; an endpoint "
            "that is not InService cannot be updated, re-run once it is",
            "update_weights": f"Failed to update the variant weights of endpoint {self.name}",
            "delete_endpoint": f"Failed to delete endpoint {self.name}",
            "tag_endpoint": f"Failed to tag endpoint {self.name}; check sagemaker:AddTags and sagemaker:DeleteTags",
            "delete_endpoint_config": f"Failed to delete superseded configuration {step.get('endpoint_config_name')}; "
            "the endpoint itself is up to date, re-run to finish the cleanup",
            "delete_model": f"Failed to delete model {step.get('model_name')}; re-run to finish the cleanup",
        }
        if autoscaling.is_step(step):
            return (f"Failed to {action.replace('_', ' ')} for variant {step['variant']} of {self.name}; check the "
                    "application-autoscaling permissions and that the variant is InService")
        return hints.get(action, f"Failed to {action}")

    # -- waiting and rollback ------------------------------------------------------------------

    def wait(self, waiter, purpose, accept=()):
        """Wait for the endpoint with a botocore waiter; fail with what happened and what to do.

        A waiter stops early on Failed, UpdateRollbackFailed or OutOfService; the statuses in
        `accept` are returned to the caller instead of failing the module.
        """
        if not self.params["wait"]:
            return None
        timeout = self.params["wait_timeout"]
        try:
            sagemaker.wait_for_endpoint(self.client, self.name, waiter, timeout)
            return None
        except botocore.exceptions.WaiterError as e:
            last = e.last_response or {}
            status = last.get("EndpointStatus")
            reason = last.get("FailureReason")
            if reason:
                self.result["failure_reason"] = reason
            if "Max attempts exceeded" in str(e):
                self.module.fail_json_aws(
                    e,
                    msg=f"Timed out after {timeout}s waiting for endpoint {self.name} to {purpose} (still {status}). "
                    "SageMaker carries on with the change: re-run with a longer wait_timeout, or follow it in the "
                    f"console and the CloudWatch log group /aws/sagemaker/Endpoints/{self.name}",
                    **self.result,
                )
            if status in accept:
                return status
            self.module.fail_json_aws(
                e,
                msg=f"Endpoint {self.name} did not {purpose}: status {status or 'unknown'}"
                + (f", reason: {reason}" if reason else "")
                + ". Fix the cause (the image's /ping on port 8080, the model data, the instance quota; see "
                f"/aws/sagemaker/Endpoints/{self.name} in CloudWatch Logs) and re-run: a Failed endpoint is recreated",
                **self.result,
            )

    def check_rollback(self):
        """After an update: is the requested configuration the live one? If not, SageMaker rolled back."""
        try:
            endpoint = sagemaker.describe_endpoint(self.client, self.name)
        except errors.AWS_ERRORS as e:
            errors.fail(self.module, e, msg=f"Failed to read endpoint {self.name} after its update", **self.result)
        live = (endpoint or {}).get("EndpointConfigName")
        if endpoint and endpoint["EndpointStatus"] == "UpdateRollbackFailed":
            self.result["rolled_back"] = True
            self.result["failure_reason"] = endpoint.get("FailureReason")
            self.module.fail_json(
                msg=f"Both the update of endpoint {self.name} to {self.desired.config_name} and SageMaker's rollback "
                f"failed ({endpoint.get('FailureReason', 'no reason given')}); the endpoint serves a mix of both "
                "configurations. Fix the cause and re-run to update it again.",
                **self.result,
            )
        if endpoint and endpoint["EndpointStatus"] == "Failed":
            self.result["failure_reason"] = endpoint.get("FailureReason")
            self.module.fail_json(
                msg=f"Endpoint {self.name} is Failed after its update to {self.desired.config_name}: "
                f"{endpoint.get('FailureReason', 'no reason given')}. Re-run after fixing the cause: it is recreated.",
                **self.result,
            )
        if live == self.desired.config_name:
            return False
        self.result["rolled_back"] = True
        self.result["failure_reason"] = (endpoint or {}).get("FailureReason")
        self.result["live_endpoint_config_name"] = live
        return True

    def restore_scaling(self, steps):
        """The update was rolled back: put back the scaling targets removed for it."""
        removed = {s["variant"] for s in self.result["plan"] if s["action"] == "deregister_scalable_target"}
        for step in autoscaling.restore_steps(self.snapshot, removed):
            self.apply_step(step)
            self.result["plan"].append(step)

    # -- result ----------------------------------------------------------------------------------

    def final_state(self):
        try:
            endpoint = sagemaker.describe_endpoint(self.client, self.name)
            tags = sagemaker.get_tags(self.client, endpoint["EndpointArn"]) if endpoint else {}
            config = None
            if endpoint and endpoint.get("EndpointConfigName"):
                config = sagemaker.describe_endpoint_config(self.client, endpoint["EndpointConfigName"])
        except errors.AWS_ERRORS as e:
            errors.fail(self.module, e, msg=f"Failed to read endpoint {self.name}", **self.result)
        self.result["endpoint"] = sagemaker.endpoint_result(endpoint, tags, config)
        self.result["endpoint_config"] = sagemaker.snake(config) if config else {}

    def run(self):
        current = self.read_current()
        steps, deferred = self.plan(current)
        if self.desired:
            self.result["endpoint_config_name"] = self.desired.config_name
            self.result["model_names"] = {logical: e["name"] for logical, e in self.desired.models.items()}
        self.result["deferred"] = deferred
        self.result["changed"] = bool(steps)
        if self.module._diff:
            self.result["diff"] = self.diff(current)
        if self.module.check_mode:
            self.result["plan"] = steps
            self.result["endpoint"] = sagemaker.endpoint_result(
                current["endpoint"], current["tags"], current["live_config"]
            )
            self.result["endpoint_config"] = sagemaker.snake(current["live_config"]) if current["live_config"] else {}
            self.module.exit_json(**self.result)
        self.apply(steps, current)
        self.final_state()
        if deferred:
            self.module.warn(
                f"wait=false: {len(deferred)} step(s) (autoscaling, removal of superseded configurations) are left "
                "to the next run, once the endpoint is InService."
            )
        if self.result["rolled_back"]:
            message = (
                f"SageMaker rolled endpoint {self.name} back: {self.result.get('live_endpoint_config_name')} is live, "
                f"not the requested {self.desired.config_name}"
                + (f" ({self.result['failure_reason']})" if self.result.get("failure_reason") else "")
                + ". Nothing was deleted; the new configuration is kept for inspection. Check the alarms and the "
                f"new fleet's logs (/aws/sagemaker/Endpoints/{self.name}), fix the cause and re-run."
            )
            if self.params["fail_on_rollback"]:
                self.module.fail_json(msg=message, **self.result)
            self.module.warn(message)
        self.module.exit_json(**self.result)


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        required_if=[("state", "present", ["models", "variants"])],
        supports_check_mode=True,
    )
    try:
        check_arguments(module.params)
    except SpecError as e:
        module.fail_json(msg=str(e))
    EndpointRun(module).run()


if __name__ == "__main__":
    main()
