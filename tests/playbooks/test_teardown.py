"""teardown.yml removes what site.yml's pipeline and model halves made (the infrastructure half is
test_infra_playbooks.py's), keeps the models unless asked, and a second teardown changes nothing.

The pipeline and the model store are made by their playbooks; a SageMaker endpoint and its role
with boto3 (its configurations and models are sagemaker_endpoint's to delete: its own tests).
Slow (minutes: pipeline.yml, ml.yml, three teardowns): `make test-teardown`, not in test-playbooks.
"""

import json

import boto3
import pytest

NAME_PREFIX = "mobileml-local"
POINTER = "/mobileml/local/model-version"
MODEL_BUCKET = f"{NAME_PREFIX}-models"
CONFIRM = {"teardown_confirm": NAME_PREFIX}


@pytest.fixture
def pipeline_and_model_store(run_playbook):
    run_playbook("playbooks/pipeline.yml").check()
    run_playbook("playbooks/ml.yml").check()
    sagemaker = boto3.client("sagemaker")
    role = boto3.client("iam").create_role(
        RoleName=f"{NAME_PREFIX}-sagemaker",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    sagemaker.create_model(ModelName=f"{NAME_PREFIX}-model-main-1", ExecutionRoleArn=role, PrimaryContainer={
        "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml:1", "ModelDataUrl": f"s3://{MODEL_BUCKET}/m.tar.gz"})
    sagemaker.create_endpoint_config(EndpointConfigName=f"{NAME_PREFIX}-model-1", ProductionVariants=[{
        "VariantName": "main", "ModelName": f"{NAME_PREFIX}-model-main-1", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sagemaker.create_endpoint(EndpointName=f"{NAME_PREFIX}-model", EndpointConfigName=f"{NAME_PREFIX}-model-1")


def left():
    sagemaker, s3 = boto3.client("sagemaker"), boto3.client("s3")
    return {
        "pipelines": [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]],
        "projects": boto3.client("codebuild").list_projects()["projects"],
        "buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        "endpoints": [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]],
        "pointer": bool(boto3.client("ssm").get_parameters(Names=[POINTER])["Parameters"]),
        "roles": sorted(r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"]
                        if r["RoleName"].startswith(NAME_PREFIX)),
    }


def key_state():
    kms = boto3.client("kms")
    alias = next(a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == f"alias/{MODEL_BUCKET}")
    return kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["KeyState"]


def test_teardown_removes_what_site_made_keeps_the_models_and_changes_nothing_twice(
        run_playbook, pipeline_and_model_store):
    before = left()
    assert before["pipelines"] and before["projects"] and before["endpoints"] and before["pointer"], before

    run_playbook("playbooks/teardown.yml", extra_vars=CONFIRM).check()
    after = left()
    assert after == {"pipelines": [], "projects": [], "buckets": [MODEL_BUCKET], "endpoints": [],
                     "pointer": False, "roles": []}, after
    assert key_state() == "Enabled"  # it reads the bundles that stay

    again = run_playbook("playbooks/teardown.yml", extra_vars=CONFIRM).check()
    assert again.changed == 0, again.output

    run_playbook("playbooks/teardown.yml", extra_vars=dict(CONFIRM, teardown_delete_models=True)).check()
    assert left()["buckets"] == []
    assert key_state() == "PendingDeletion"
