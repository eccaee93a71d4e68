#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: ecr_repository_info
short_description: Read ECR repositories (URI, tag mutability, scanning, encryption) without changing them
version_added: 0.1.0
description:
  - Describes the named ECR repositories. A name that does not exist is listed in RV(missing), not an error.
  - Why a module - M(community.aws.ecs_ecr) is the only ECR repository module, and in check mode it reports
    the settings it was given as the repository's (for example C(imageTagMutability)), so it cannot be used
    to read them.
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  names:
    description: Names of the repositories, for example C(mobileml-dev/backend-api).
    type: list
    elements: str
    required: true
  registry_id:
    description: The account of the registry (default the caller's).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read whether the service repositories' tags may move
  mlops.aws_deploy.ecr_repository_info:
    names: [mobileml-dev/backend-api, mobileml-dev/ml-model-service]
  register: repositories

- name: Refuse to push latest to an IMMUTABLE repository
  ansible.builtin.assert:
    that: repositories.repositories | selectattr('image_tag_mutability', 'equalto', 'IMMUTABLE') | list | length == 0
"""

RETURN = r"""
repositories:
  description: The repositories found, in the order of O(names), AWS's fields in snake_case.
  returned: always
  type: list
  elements: dict
  sample:
    - repository_name: mobileml-dev/backend-api
      repository_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mobileml-dev/backend-api
      repository_arn: arn:aws:ecr:us-east-1:123456789012:repository/mobileml-dev/backend-api
      image_tag_mutability: IMMUTABLE
      image_scanning_configuration: {scan_on_push: true}
      encryption_configuration: {encryption_type: AES256}
by_name:
  description: The same repositories by name.
  returned: always
  type: dict
  sample: {"mobileml-dev/backend-api": {"image_tag_mutability": "IMMUTABLE"}}
missing:
  description: The names of O(names) that have no repository.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors, retries


class ECRErrorHandler(errors.ErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("RepositoryNotFoundException")


@ECRErrorHandler.list_error_handler("describe ECR repository {name}")
def describe_repository(client, name, registry_id):
    """One repository (DescribeRepositories fails the whole call when any name is missing), or None."""
    extra = {"registryId": registry_id} if registry_id else {}
    return client.describe_repositories(repositoryNames=[name], aws_retry=True, **extra)["repositories"][0]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            registry_id=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    client = retries.client(module, "ecr")
    found, missing = [], []
    try:
        for name in module.params["names"]:
            repository = describe_repository(client, name, module.params["registry_id"])
            if repository is None:
                missing.append(name)
            else:
                found.append(camel_dict_to_snake_dict(repository))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(
        changed=False,
        repositories=found,
        by_name={r["repository_name"]: r for r in found},
        missing=missing,
    )


if __name__ == "__main__":
    main()
