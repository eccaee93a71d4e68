"""offline_aws/extensions/sagemaker_update_endpoint_weights_and_capacities.py: omitted stays."""

import boto3
import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


@pytest.fixture
def sagemaker(aws):
    client = boto3.client("sagemaker")
    client.create_model(ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    client.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": name,
                "ModelName": "m1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
            }
            for name in ("a", "b")
        ],
    )
    client.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    return client


def variants(sagemaker):
    return {v["VariantName"]: v for v in sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]}


def test_weight_only_request_keeps_instance_counts(sagemaker):
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "a", "DesiredWeight": 0.0}]
    )
    live = variants(sagemaker)
    assert live["a"]["DesiredWeight"] == 0.0
    assert live["a"]["CurrentWeight"] == 0.0
    assert live["a"]["DesiredInstanceCount"] == 2
    assert live["b"]["DesiredWeight"] == 1.0


def test_count_only_request_keeps_weights(sagemaker):
    sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "b", "DesiredInstanceCount": 3}]
    )
    live = variants(sagemaker)
    assert live["b"]["DesiredInstanceCount"] == 3
    assert live["b"]["DesiredWeight"] == 1.0


def test_unknown_variant_is_still_rejected(sagemaker):
    with pytest.raises(ClientError) as error:
        sagemaker.update_endpoint_weights_and_capacities(
            EndpointName="ep", DesiredWeightsAndCapacities=[{"VariantName": "c", "DesiredWeight": 1.0}]
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"
