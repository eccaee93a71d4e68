"""offline_aws/extensions/sagemaker_update_endpoint.py: UpdateEndpoint as AWS documents it."""

import boto3
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def variant(name, model, weight=1.0, count=1):
    return {
        "VariantName": name,
        "ModelName": model,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": count,
        "InitialVariantWeight": weight,
    }


@pytest.fixture
def sagemaker(aws):
    client = boto3.client("sagemaker")
    for model in ("m1", "m2"):
        client.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    client.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[variant("blue", "m1")])
    client.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    return client


def test_update_switches_config_and_variants(sagemaker):
    sagemaker.create_endpoint_config(
        EndpointConfigName="c2",
        ProductionVariants=[variant("green", "m2", weight=2.0, count=3)],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 20,
            "DestinationS3Uri": "s3://bucket/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )
    arn = sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="c2")["EndpointArn"]
    endpoint = sagemaker.describe_endpoint(EndpointName="ep")
    assert arn == endpoint["EndpointArn"]
    assert endpoint["EndpointConfigName"] == "c2"
    assert endpoint["EndpointStatus"] == "InService"
    live = [(v["VariantName"], v["CurrentWeight"], v["DesiredInstanceCount"]) for v in endpoint["ProductionVariants"]]
    assert live == [("green", 2.0, 3)]
    assert endpoint["DataCaptureConfig"]["EnableCapture"] is True


def test_deployment_config_is_reported_as_last_deployment_config(sagemaker):
    sagemaker.create_endpoint_config(EndpointConfigName="c2", ProductionVariants=[variant("blue", "m2")])
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
            },
            "TerminationWaitInSeconds": 120,
            "MaximumExecutionTimeoutInSeconds": 1800,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ep-5xx"}]},
    }
    sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=deployment)
    assert sagemaker.describe_endpoint(EndpointName="ep")["LastDeploymentConfig"] == deployment


def test_retain_all_variant_properties_keeps_live_weights_and_counts(sagemaker):
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "blue", "DesiredWeight": 0.5}]
    )
    sagemaker.create_endpoint_config(EndpointConfigName="c2", ProductionVariants=[variant("blue", "m2", count=4)])
    sagemaker.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="c2",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredInstanceCount"}],
    )
    (blue,) = sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    assert blue["DesiredWeight"] == 0.5
    assert blue["DesiredInstanceCount"] == 4


def test_unknown_endpoint_or_config_is_a_validation_error(sagemaker):
    with pytest.raises(ClientError) as missing_endpoint:
        sagemaker.update_endpoint(EndpointName="nope", EndpointConfigName="c1")
    assert missing_endpoint.value.response["Error"]["Code"] == "ValidationException"
    assert "Could not find endpoint" in missing_endpoint.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as missing_config:
        sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="nope")
    assert missing_config.value.response["Error"]["Code"] == "ValidationException"
    assert sagemaker.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "c1"
