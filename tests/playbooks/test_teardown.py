"""teardown.yml removes what site.yml's pipeline and model halves made (the infrastructure half is
test_infra_playbooks.py's), keeps the models unless asked, and a second teardown changes nothing.

The pipeline and the model store are made by their playbooks; a SageMaker endpoint and its role
with boto3 (its configurations and models are sagemaker_endpoint's to delete: its own tests).
Then site.yml converges again on the torn-down account, after each kind of teardown (`make up` after
teardown). Slow (minutes: pipeline.yml, ml.yml, five teardowns, two site.yml runs): `make test-teardown`,
not in test-playbooks.
"""

import json

import boto3
import pytest

NAME_PREFIX = "mobileml-local"
POINTER = "/mobileml/local/model-version"
MODEL_BUCKET = f"{NAME_PREFIX}-models"
REGISTRY = "mobileml-model"  # inventories/local: model_group, one per app
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
    register_versions(2)


def register_versions(count):
    """The model registry with `count` versions (what train_and_register.yml leaves, without training)."""
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName=REGISTRY)
    for version in range(1, count + 1):
        sagemaker.create_model_package(
            ModelPackageGroupName=REGISTRY, ModelApprovalStatus="Approved" if version == 1 else "PendingManualApproval",
            InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml:1",
                                                    "ModelDataUrl": f"s3://{MODEL_BUCKET}/models/{version}/model.tar.gz"}],
                                    "SupportedContentTypes": ["application/json"],
                                    "SupportedResponseMIMETypes": ["application/json"]})


def registry_versions():
    """The registry's version numbers, None when the group does not exist."""
    sagemaker = boto3.client("sagemaker")
    groups = sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]
    if REGISTRY not in [g["ModelPackageGroupName"] for g in groups]:
        return None
    packages = sagemaker.list_model_packages(ModelPackageGroupName=REGISTRY)["ModelPackageSummaryList"]
    return sorted(p["ModelPackageVersion"] for p in packages)


def left():
    sagemaker, s3 = boto3.client("sagemaker"), boto3.client("s3")
    return {
        "pipelines": [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]],
        "projects": boto3.client("codebuild").list_projects()["projects"],
        "buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        "endpoints": [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]],
        "pointer": bool(boto3.client("ssm").get_parameters(Names=[POINTER])["Parameters"]),
        "registry": registry_versions(),
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
    assert before["registry"] == [1, 2], before

    run_playbook("playbooks/teardown.yml", extra_vars=CONFIRM).check()
    after = left()
    assert after == {"pipelines": [], "projects": [], "buckets": [MODEL_BUCKET], "endpoints": [],
                     "pointer": False, "registry": [1, 2], "roles": []}, after  # the models stay by default
    assert key_state() == "Enabled"  # it reads the bundles that stay

    again = run_playbook("playbooks/teardown.yml", extra_vars=CONFIRM).check()
    assert again.changed == 0, again.output

    # make up again: the bucket and its key kept, the pointer gone, the registry kept.
    up_again(run_playbook)
    assert key_state() == "Enabled"
    assert 3 in left()["registry"], left()  # the kept versions, and the first model trained again

    with_models = dict(CONFIRM, teardown_delete_models=True)
    run_playbook("playbooks/teardown.yml", extra_vars=with_models).check()
    assert left()["buckets"] == []
    assert left()["registry"] is None  # every version deleted, then the group
    assert key_state() == "PendingDeletion"

    again = run_playbook("playbooks/teardown.yml", extra_vars=with_models).check()
    assert again.changed == 0, again.output

    # make up again: the key scheduled for deletion (its alias still names it), no bucket, no registry.
    up_again(run_playbook)
    assert key_state() == "Enabled"  # its deletion cancelled: the new bundles are encrypted with it
    assert left()["registry"] == [1], left()


def up_again(run_playbook):
    """site.yml as `make up` runs it (a first model where none is served), on the torn-down account.

    The image builds need podman and the stack's registry: the e2e's `make up` (under the stack lock)
    runs those; here the tag images is skipped and the task definitions name an image tag nobody
    pushed (the offline ECS runs no task)."""
    run = run_playbook("playbooks/site.yml", "--skip-tags", "images",
                       extra_vars={"image_tag": "after-teardown", "model_train_only_first": True}).check()
    after = left()
    assert after["pipelines"] and after["projects"] and after["pointer"], (after, run.output)
    assert MODEL_BUCKET in after["buckets"], after
    return run


def test_teardown_refuses_to_delete_the_models_another_environment_serves_and_removes_nothing(run_playbook):
    """The registry is one per app: while stage's pointer names a version, the local environment's
    teardown with teardown_delete_models stops before its first removal."""
    register_versions(1)
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=POINTER, Type="String", Value='{"version": "none"}')
    ssm.put_parameter(Name="/mobileml/stage/model-version", Type="String", Value=json.dumps({"version": "1"}))

    run = run_playbook("playbooks/teardown.yml", extra_vars=dict(CONFIRM, teardown_delete_models=True))
    assert run.returncode != 0, run.output
    assert "other environments still serve: stage serves version 1" in run.output, run.output
    assert registry_versions() == [1]
    assert ssm.get_parameters(Names=[POINTER])["Parameters"], "the pointer was removed before the refusal"
