"""ml_serving: sagemaker reaches the backend: its task definition names the endpoint
(SAGEMAKER_ENDPOINT_NAME, which backend-api's settings read) and its task role may invoke that
endpoint only (statement InvokeSageMakerEndpoint); switched back to ecs, both are gone and the
backend calls the ML service again (ML_SERVICE_URL).
"""

import json

import boto3

from tests.playbooks.conftest import REPO

NAME_PREFIX = "mobileml-local"
ENDPOINT = f"{NAME_PREFIX}-model"
# The cluster's roles and the services alone, on the infrastructure infra.yml made.
CLUSTER_AND_SERVICES = f"""---
- name: The ECS cluster's roles and the services, as site.yml's steps run them
  hosts: localhost
  gather_facts: false
  vars_files: [{REPO}/playbooks/vars/common.yml]
  module_defaults:
    group/amazon.aws.aws: "{{{{ aws_connection }}}}"
    group/community.aws.aws: "{{{{ aws_connection }}}}"
    group/mlops.aws_deploy.aws: "{{{{ aws_connection }}}}"
  tasks:
    - name: Converge the cluster and its roles
      ansible.builtin.include_tasks: {REPO}/playbooks/tasks/steps/ecs_cluster.yml
    - name: Converge the services
      ansible.builtin.include_tasks: {REPO}/playbooks/tasks/steps/services.yml
"""


def backend_environment():
    ecs = boto3.client("ecs")
    family = f"{NAME_PREFIX}-backend"
    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    return {e["name"]: e["value"] for e in definition["containerDefinitions"][0]["environment"]}


def backend_statements():
    iam = boto3.client("iam")
    role = f"{NAME_PREFIX}-backend-task"
    if "least-privilege" not in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        return []
    document = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    return document["Statement"]


def test_the_serving_switch_reaches_the_backend_both_ways(run_playbook, tmp_path):
    run_playbook("playbooks/infra.yml").check()
    playbook = tmp_path / "cluster_and_services.yml"
    playbook.write_text(CLUSTER_AND_SERVICES)

    run_playbook(str(playbook), extra_vars={"ml_serving": "sagemaker"}).check()
    environment = backend_environment()
    assert environment["SAGEMAKER_ENDPOINT_NAME"] == ENDPOINT
    assert environment["ML_SERVICE_URL"].endswith("/ml")
    account = boto3.client("sts").get_caller_identity()["Account"]
    assert backend_statements() == [
        {
            "Sid": "InvokeSageMakerEndpoint",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint"],
            "Resource": [f"arn:aws:sagemaker:us-east-1:{account}:endpoint/{ENDPOINT}"],
        }
    ]
    again = run_playbook(str(playbook), extra_vars={"ml_serving": "sagemaker"}).check()
    assert again.changed == 0, again.output

    run_playbook(str(playbook), extra_vars={"ml_serving": "ecs"}).check()
    assert "SAGEMAKER_ENDPOINT_NAME" not in backend_environment()
    assert backend_statements() == []
