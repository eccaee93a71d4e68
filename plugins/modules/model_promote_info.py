#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: model_promote_info
short_description: Read an environment's model promotion history and the version live there
version_added: 0.2.0
description:
  - Lists the promotion records that M(mlops.aws_deploy.model_promote) wrote for an environment, newest first
    (C(<prefix>/promotions/<environment>/) in the environment's model store bucket).
  - With O(app) (or a O(parameter_name) without C({app})), also reads the environment's pointer, the version live there.
  - Replaces O(mlops.aws_deploy.model_promote#module:state=history), which is deprecated.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  environment:
    description:
      - The environment, for example V(dev), V(stage) or V(prod).
    type: str
    required: true
  bucket:
    description:
      - The environment's model store bucket.
    type: str
    required: true
  prefix:
    description:
      - Key prefix of the model store in O(bucket).
    type: str
    default: models
  limit:
    description:
      - How many records to return, newest first; V(0) for all.
    type: int
    default: 20
    aliases: ['history_limit']
  app:
    description:
      - Application name, used to build O(parameter_name).
    type: str
  parameter_name:
    description:
      - Name of the environment's pointer parameter; C({app}) and C({environment}) are replaced.
    type: str
    default: /{app}/{environment}/model-version
notes:
  - Reads only; supports check mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List the last 10 promotions of prod and the version live there
  mlops.aws_deploy.model_promote_info:
    environment: prod
    app: mobileml
    bucket: mobileml-prod-models
    limit: 10
  register: prod_history

- name: Show who promoted the live version
  ansible.builtin.debug:
    msg: "{{ prod_history.pointer.version }} by {{ prod_history.pointer.promoted_by }}"
"""

RETURN = r"""
environment:
  description: The environment.
  returned: always
  type: str
  sample: prod
history:
  description: The environment's promotion records, newest first, each with its S3 C(key).
  returned: always
  type: list
  elements: dict
  sample:
    - {"action": "promote", "version": "7", "previous_version": "6", "promoted_by": "alice",
       "promoted_at": "2026-11-02T10:00:00.000000Z", "key": "models/promotions/prod/20261102T100000000000Z-7.json"}
pointer:
  description:
    - The environment's pointer (the version live there); empty when no version was promoted there.
    - Not read (null) when the pointer's name cannot be built (O(parameter_name) needs O(app)).
  returned: always
  type: dict
  sample: {"version": "7", "uri": "s3://mobileml-prod-models/models/7/model.tar.gz", "sha256": "3f1c...",
           "model_package_arn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/mobileml-model/7",
           "promoted_at": "2026-11-02T10:00:00.000000Z", "promoted_by": "alice"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import promotion
from ansible_collections.mlops.aws_deploy.plugins.module_utils import registry
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import AWS_ERRORS
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import fail


def main():
    argument_spec = dict(
        environment=dict(type="str", required=True),
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default="models"),
        limit=dict(type="int", default=20, aliases=["history_limit"]),
        app=dict(type="str"),
        parameter_name=dict(type="str", default=promotion.DEFAULT_PARAMETER_NAME),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["limit"] < 0:
        module.fail_json(msg=f"limit: {params['limit']} is negative; give a number of records, or 0 for all")
    environment = params["environment"]
    name = None
    if params["app"] or "{app}" not in params["parameter_name"]:
        try:
            name = promotion.parameter_name(params["parameter_name"], params["app"], environment)
        except promotion.PromotionError as e:
            module.fail_json(msg=str(e))
    try:
        history = promotion.read_history(
            retries.client(module, "s3"), params["bucket"], registry.clean_prefix(params["prefix"]), environment,
            params["limit"],
        )
        pointer = (promotion.read_pointer(retries.client(module, "ssm"), name) or {}) if name else None
    except promotion.PromotionError as e:
        module.fail_json(msg=str(e))
    except AWS_ERRORS as e:
        fail(module, e, msg=f"Failed to read the promotion history of {environment} in s3://{params['bucket']}")
    module.exit_json(changed=False, environment=environment, history=history, pointer=pointer)


if __name__ == "__main__":
    main()
