"""The model playbooks against the offline AWS: train and register, promote, revert.

A real (small) training run with the ML service's script: the bundle is what the service loads,
so the test also checks what the service checks when it follows the pointer: the bundle at the
pointer's uri holds a model.onnx with the pointer's sha256 and declares the pointer's version.
"""

import hashlib
import io
import json
import tarfile

import boto3
import pytest

BUCKET = "mobileml-local-models"
GROUP = "mobileml-model"
POINTER = "/mobileml/local/model-version"
FAST_TRAINING = ["--n-estimators", "10"]
DEPLOYED_IMAGE = "127.0.0.1:5000/mobileml-local/ml-model-service:abc123"


@pytest.fixture
def model_store(aws):
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def pointer():
    return json.loads(boto3.client("ssm").get_parameter(Name=POINTER)["Parameter"]["Value"])


def served_bundle(uri):
    """What the ML service does with a pointer: download the bundle, read model.onnx and metadata."""
    bucket, key = uri[len("s3://"):].split("/", 1)
    data = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        model = tar.extractfile("model.onnx").read()
        metadata = json.loads(tar.extractfile("metadata.json").read())
    return hashlib.sha256(model).hexdigest(), metadata


def endpoint_model_data_url(name="mobileml-local-model"):
    sagemaker = boto3.client("sagemaker")
    config = sagemaker.describe_endpoint_config(
        EndpointConfigName=sagemaker.describe_endpoint(EndpointName=name)["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return model["PrimaryContainer"]["ModelDataUrl"]


def endpoint_model_image(name="mobileml-local-model"):
    sagemaker = boto3.client("sagemaker")
    config = sagemaker.describe_endpoint_config(
        EndpointConfigName=sagemaker.describe_endpoint(EndpointName=name)["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    return model["PrimaryContainer"]["Image"]


def endpoint_model_version(name="mobileml-local-model"):
    """The ModelVersion tag the sagemaker role puts on the endpoint (promotions go through the role)."""
    sagemaker = boto3.client("sagemaker")
    arn = sagemaker.describe_endpoint(EndpointName=name)["EndpointArn"]
    return {tag["Key"]: tag["Value"] for tag in sagemaker.list_tags(ResourceArn=arn)["Tags"]}.get("ModelVersion")


def assert_service_would_load(value):
    sha256, metadata = served_bundle(value["uri"])
    assert sha256 == value["sha256"] == metadata["model_sha256"]
    assert str(metadata["version"]) == value["version"]


def test_train_register_promote_and_revert(run_playbook, model_store, tmp_path):
    training = {"model_training_dir": str(tmp_path / "training"), "model_training_args": FAST_TRAINING}

    # Train version 1: registered and, locally as in dev, promoted because its gates pass.
    first = run_playbook("playbooks/train_and_register.yml", extra_vars=training).check()
    assert pointer()["version"] == "1", first.output
    assert_service_would_load(pointer())
    alias = boto3.client("s3").head_object(Bucket=BUCKET, Key="models/latest/local/model.tar.gz")
    assert alias["Metadata"]["model-sha256"] == pointer()["sha256"]

    # Train version 2 without the automatic promotion, then promote it with the promotion playbook.
    run_playbook("playbooks/train_and_register.yml", extra_vars=dict(training, model_auto_promote=False)).check()
    assert pointer()["version"] == "1"
    sagemaker = boto3.client("sagemaker")
    versions = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert sorted(v["ModelPackageVersion"] for v in versions) == [1, 2]

    preview = run_playbook("playbooks/promote_model.yml", "--diff", check_mode=True, extra_vars={"model_version": 2})
    preview.check()
    assert pointer()["version"] == "1"
    assert '"version": "2"' in preview.stdout  # the diff shows the pointer after

    # As an AWX job: the AWX user is recorded, not the shared credential's identity.
    run_playbook("playbooks/promote_model.yml", extra_vars={"model_version": 2, "awx_user_name": "alice-awx"}).check()
    assert pointer()["version"] == "2"
    assert pointer()["promoted_by"] == "alice-awx"
    assert_service_would_load(pointer())
    again = run_playbook("playbooks/promote_model.yml", extra_vars={"model_version": 2}).check()
    assert again.changed == 0, again.output

    # With ml_serving: sagemaker the endpoint follows the pointer too (created here, moved by the revert).
    # The first endpoint serves the image images.yml pushed (its tag); the revert keeps it (not :latest).
    sagemaker_serving = {"ml_serving": "sagemaker"}
    first = dict(sagemaker_serving, model_version=2, image_tag="abc123")
    run_playbook("playbooks/promote_model.yml", extra_vars=first).check()
    assert endpoint_model_data_url() == pointer()["uri"]
    assert endpoint_model_version() == "2"
    assert endpoint_model_image() == DEPLOYED_IMAGE

    # Revert: back to 1 in one step; with the version given, a second run changes nothing.
    revert = dict(sagemaker_serving, model_version=2, reason="test")
    run_playbook("playbooks/runbooks/revert_model.yml", extra_vars=revert).check()
    assert pointer()["version"] == "1"
    # Outside AWX, who reverted is the authenticated identity (STS), not a name the caller typed.
    assert pointer()["promoted_by"] == boto3.client("sts").get_caller_identity()["Arn"]
    assert endpoint_model_data_url() == pointer()["uri"]
    assert endpoint_model_version() == "1"
    assert endpoint_model_image() == DEPLOYED_IMAGE
    assert_service_would_load(pointer())
    twice = run_playbook("playbooks/runbooks/revert_model.yml", extra_vars={"model_version": 2}).check()
    assert twice.changed == 0, twice.output
    assert pointer()["version"] == "1"

    records = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="models/promotions/local/")["Contents"]
    assert [record["Key"].rsplit("-", 1)[1] for record in sorted(records, key=lambda r: r["Key"])] == [
        "1.json", "2.json", "1.json"]


def test_promoting_without_a_version_fails_before_any_aws_call(run_playbook, model_store):
    result = run_playbook("playbooks/promote_model.yml")
    assert result.returncode != 0
    assert "Give -e model_version=" in result.stdout


def test_make_up_trains_only_the_first_model(run_playbook, model_store, tmp_path):
    """make up passes model_train_only_first: the placeholder pointer the model_store role seeds
    (version "none") gets a trained, promoted version 1; a second run trains and registers nothing."""
    boto3.client("ssm").put_parameter(Name=POINTER, Type="String", Value='{"version": "none"}')
    training = {"model_training_dir": str(tmp_path / "training"), "model_training_args": FAST_TRAINING,
                "model_train_only_first": True}
    run_playbook("playbooks/train_and_register.yml", extra_vars=training).check()
    assert pointer()["version"] == "1"

    again = run_playbook("playbooks/train_and_register.yml", extra_vars=training).check()
    assert again.changed == 0, again.output
    assert "nothing trained" in again.stdout
    versions = boto3.client("sagemaker").list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert len(versions) == 1


def test_check_mode_trains_and_registers_nothing_and_says_what_it_would_do(run_playbook, model_store, tmp_path):
    """AWX's "check" job type runs the playbook with --check: no bundle is trained, so nothing can be
    registered; the run succeeds and says what a real run would do."""
    training = {"model_training_dir": str(tmp_path / "training"), "model_training_args": FAST_TRAINING}
    preview = run_playbook("playbooks/train_and_register.yml", check_mode=True, extra_vars=training).check()
    assert "would train version 1" in preview.stdout, preview.output
    assert not (tmp_path / "training").exists()
    sagemaker = boto3.client("sagemaker")
    assert not sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]
