"""playbooks/ml.yml: the model store always, the SageMaker endpoint with ml_serving=sagemaker.

Converges the roles model_store and sagemaker against the offline AWS as a user would, twice
(the second run must change nothing), and checks what they left with boto3.
"""

import io
import json
import tarfile

import boto3

PREFIX = "mobileml-local"
BUCKET = f"{PREFIX}-models"
POINTER = "/mobileml/local/model-version"
ENDPOINT = f"{PREFIX}-model"
SAGEMAKER = {"ml_serving": "sagemaker"}
DEPLOYED_IMAGE = f"127.0.0.1:5000/{PREFIX}/ml-model-service:abc123"
DIGEST = "sha256:" + "ab" * 32


def upload_bundle(version):
    """A small fake model bundle in the model store's layout, and the pointer promotion would write."""
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w:gz") as bundle:
        for name, content in (("model.onnx", b"onnx"), ("metadata.json", json.dumps({"version": version}).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            bundle.addfile(info, io.BytesIO(content))
    s3 = boto3.client("s3")
    key = f"models/{version}/model.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=payload.getvalue())
    s3.put_object(Bucket=BUCKET, Key=f"models/{version}/metadata.json", Body=json.dumps({"version": version}))
    uri = f"s3://{BUCKET}/{key}"
    boto3.client("ssm").put_parameter(
        Name=POINTER, Value=json.dumps({"version": version, "uri": uri, "sha256": "0" * 64}), Overwrite=True
    )
    return uri


def endpoint():
    sagemaker = boto3.client("sagemaker")
    live = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=live["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return live, config, model


def test_model_store_is_versioned_encrypted_private_and_idempotent(run_playbook):
    run_playbook("playbooks/ml.yml").check()

    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"].startswith("arn:aws:kms:")
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    lifecycle = {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    assert lifecycle["models-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    # Captured requests and responses (users' inputs) expire; the model bundles never do.
    capture = lifecycle["capture-expiration"]
    assert capture["Filter"]["Prefix"] == "capture/" and capture["Expiration"]["Days"] == 30
    assert "Expiration" not in lifecycle["models-noncurrent-versions"]
    assert json.loads(boto3.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"]) == {"version": "none"}
    # ECS is the default: no endpoint.
    assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []

    # Promotion owns the pointer: the role must not put its placeholder back.
    upload_bundle("3")
    assert run_playbook("playbooks/ml.yml").check().changed == 0
    assert json.loads(boto3.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"])["version"] == "3"


def test_no_endpoint_while_the_pointer_names_no_version(run_playbook):
    result = run_playbook("playbooks/ml.yml", extra_vars=SAGEMAKER).check()
    assert "names no model version yet" in result.stdout
    assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_sagemaker_serves_the_promoted_version_converges_and_rolls_out_the_next(run_playbook):
    run_playbook("playbooks/ml.yml").check()  # the model store, so that a bundle can be uploaded
    uri = upload_bundle("7")

    # The image images.yml pushed (its tag); the runs after it, without image_tag, keep what is served.
    run_playbook("playbooks/ml.yml", extra_vars=dict(SAGEMAKER, image_tag="abc123")).check()
    second = run_playbook("playbooks/ml.yml", extra_vars=SAGEMAKER).check()

    assert second.changed == 0, second.output
    first, config, model = endpoint()
    assert first["EndpointStatus"] == "InService"
    assert model["PrimaryContainer"]["ModelDataUrl"] == uri
    assert model["PrimaryContainer"]["Image"] == DEPLOYED_IMAGE
    assert model["PrimaryContainer"]["Environment"]["MODEL_VERSION"] == "7"
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"

    iam = boto3.client("iam")
    role = iam.get_role(RoleName=f"{PREFIX}-sagemaker")["Role"]
    assert model["ExecutionRoleArn"] == role["Arn"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert iam.list_attached_role_policies(RoleName=f"{PREFIX}-sagemaker")["AttachedPolicies"] == []
    policy = iam.get_role_policy(RoleName=f"{PREFIX}-sagemaker", PolicyName=f"{PREFIX}-sagemaker-least-privilege")
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["ReadModelBundles"]["Resource"] == [f"arn:aws:s3:::{BUCKET}/models/*"]
    assert statements["UseModelStoreKey"]["Action"] == ["kms:Decrypt"]
    assert "WriteDataCapture" not in statements  # capture is off offline
    # Only the calls that have no resource are allowed on "*": the ECR token, metric data (by namespace).
    on_any_resource = [sid for sid, s in statements.items() if "*" in s["Resource"]]
    assert on_any_resource == ["AuthenticateToEcr", "PublishSageMakerMetrics"]

    # Promotion moves the pointer to version 8: a new hashed configuration goes live.
    uri = upload_bundle("8")
    run_playbook("playbooks/ml.yml", extra_vars=SAGEMAKER).check()

    live, config, model = endpoint()
    assert live["EndpointConfigName"] != first["EndpointConfigName"]
    assert model["PrimaryContainer"]["ModelDataUrl"] == uri
    assert model["PrimaryContainer"]["Image"] == DEPLOYED_IMAGE  # the served image, not :latest
    names = [c["EndpointConfigName"] for c in boto3.client("sagemaker").list_endpoint_configs()["EndpointConfigs"]]
    # The local inventory keeps one superseded configuration for a manual rollback.
    assert sorted(names) == sorted([first["EndpointConfigName"], live["EndpointConfigName"]])


def test_sagemaker_without_a_known_image_refuses_naming_images_yml(run_playbook):
    """No image_tag, no endpoint, no ECS ML service: no image is deployed, so nothing is created
    (stage and prod push no `latest`: CreateModel with it fails on AWS)."""
    run_playbook("playbooks/ml.yml").check()
    upload_bundle("7")
    run = run_playbook("playbooks/ml.yml", extra_vars=SAGEMAKER)
    assert run.returncode != 0
    assert "No ml-model-service image is known" in run.stdout and "playbooks/images.yml" in run.stdout, run.output
    sagemaker = boto3.client("sagemaker")
    assert sagemaker.list_endpoints()["Endpoints"] == [] and sagemaker.list_models()["Models"] == []


def test_sagemaker_serves_the_image_the_images_step_pushed_by_digest(run_playbook):
    run_playbook("playbooks/ml.yml").check()
    upload_bundle("7")
    pushed = {"ml": {"image": DEPLOYED_IMAGE, "repository": DEPLOYED_IMAGE.rsplit(":", 1)[0], "digest": DIGEST}}
    run_playbook("playbooks/ml.yml", extra_vars=dict(SAGEMAKER, service_images=pushed)).check()
    assert endpoint()[2]["PrimaryContainer"]["Image"] == f"127.0.0.1:5000/{PREFIX}/ml-model-service@{DIGEST}"


def test_sagemaker_refuses_the_floating_tag_latest(run_playbook):
    run_playbook("playbooks/ml.yml").check()
    upload_bundle("7")
    run = run_playbook("playbooks/ml.yml", extra_vars=dict(SAGEMAKER, image_tag="latest"))
    assert run.returncode != 0 and "floating tag latest" in run.stdout, run.output
    assert boto3.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_a_first_endpoint_serves_the_image_the_ecs_ml_service_runs(run_playbook):
    """No image_tag and no endpoint yet (a promotion that switches to SageMaker): the live ECS image."""
    from benchmarks.deploy import stack

    image = f"127.0.0.1:5000/{PREFIX}/ml-model-service:ecs42"
    stack.create(f"{PREFIX}-ml", PREFIX, container="ml-model-service", image=image, path="/ml/*", port=8080)
    run_playbook("playbooks/ml.yml").check()
    upload_bundle("7")
    run = run_playbook("playbooks/ml.yml", extra_vars=SAGEMAKER).check()
    assert endpoint()[2]["PrimaryContainer"]["Image"] == image, run.output
    assert f"ECS service {PREFIX}-ml" in run.stdout
