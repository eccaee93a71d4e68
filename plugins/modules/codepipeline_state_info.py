#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: codepipeline_state_info
short_description: Read a CodePipeline pipeline's state, the latest execution of each stage, and its newest executions
version_added: 0.3.0
description:
  - Reads the state of a pipeline (GetPipelineState) - each stage in order with the status of the pipeline
    execution that last entered it, whether its inbound transition is enabled, and each action's latest status,
    summary and error - and the pipeline's newest executions (ListPipelineExecutions).
  - A pipeline that does not exist is reported with RV(exists=false), not as a failure.
  - C(community.aws.codepipeline) creates pipelines but reads no state; no module of amazon.aws or community.aws
    reads it.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  name:
    description:
      - Name of the pipeline.
    type: str
    required: true
    aliases: ['pipeline_name']
  executions:
    description:
      - How many of the newest executions to return (1 to 100); V(0) reads none.
    type: int
    default: 1
notes:
  - Reads only; supports check mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the delivery pipeline's state
  mlops.aws_deploy.codepipeline_state_info:
    name: mobileml-dev-pipeline
  register: pipeline

- name: Show each stage's latest status
  ansible.builtin.debug:
    msg: "{{ pipeline.pipeline.stages | map(attribute='name') | zip(pipeline.pipeline.stages | map(attribute='status')) }}"
  when: pipeline.exists

- name: Read the last five executions
  mlops.aws_deploy.codepipeline_state_info:
    name: mobileml-dev-pipeline
    executions: 5
  register: history
"""

RETURN = r"""
exists:
  description: Whether the pipeline exists.
  returned: always
  type: bool
  sample: true
pipeline:
  description: The pipeline's state; null when it does not exist.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the pipeline.
      type: str
      sample: mobileml-dev-pipeline
    version:
      description: Version of the pipeline's declaration.
      type: int
      sample: 3
    created:
      description: When the pipeline was created.
      type: str
      sample: "2026-11-01T12:00:00+00:00"
    updated:
      description: When its declaration last changed.
      type: str
      sample: "2026-11-02T08:00:00+00:00"
    stages:
      description:
        - Each stage, in order. C(status) is the status of the execution that last entered the stage
          (V(InProgress), V(Succeeded), V(Failed), V(Stopped), V(Stopping), V(Cancelled)), null for a stage that never
          ran; C(transition_enabled) is null for the first stage (it has no inbound transition).
      type: list
      elements: dict
      sample:
        - {"name": "Source", "status": "Succeeded", "execution_id": "0c3a1f2e-...", "transition_enabled": null,
           "transition_disabled_reason": null, "actions": [{"name": "Source", "status": "Succeeded",
           "last_status_change": "2026-11-02T08:00:05+00:00", "summary": null, "error": null,
           "external_execution_url": null}]}
        - {"name": "Deploy", "status": "Failed", "execution_id": "0c3a1f2e-...", "transition_enabled": true,
           "transition_disabled_reason": null, "actions": [{"name": "Deploy", "status": "Failed",
           "last_status_change": "2026-11-02T08:09:00+00:00", "summary": null, "error": "Build failed",
           "external_execution_url": "https://console.aws.amazon.com/codebuild/..."}]}
    executions:
      description: The newest executions (O(executions) of them), newest first, as ListPipelineExecutions gives them.
      type: list
      elements: dict
      sample:
        - {"pipeline_execution_id": "0c3a1f2e-...", "status": "Failed", "start_time": "2026-11-02T08:00:00+00:00",
           "last_update_time": "2026-11-02T08:09:00+00:00", "trigger": {"trigger_type": "StartPipelineExecution"}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors
from ansible_collections.mlops.aws_deploy.plugins.module_utils import pipeline
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries

MAX_EXECUTIONS = 100  # ListPipelineExecutions' maxResults


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["pipeline_name"]),
        executions=dict(type="int", default=1),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not 0 <= params["executions"] <= MAX_EXECUTIONS:
        module.fail_json(msg=f"executions: {params['executions']} is not between 0 and {MAX_EXECUTIONS}")
    client = retries.client(module, "codepipeline")

    try:
        state = pipeline.get_state(client, params["name"])
        if state is None:
            module.exit_json(changed=False, exists=False, pipeline=None)
        executions = (
            pipeline.latest_executions(client, params["name"], params["executions"]) if params["executions"] else []
        )
    except errors.AWS_ERRORS as e:
        errors.fail(module, e, msg=f"Failed to read the state of pipeline {params['name']}")
    module.exit_json(changed=False, exists=True, pipeline=pipeline.summarize(state, executions))


if __name__ == "__main__":
    main()
