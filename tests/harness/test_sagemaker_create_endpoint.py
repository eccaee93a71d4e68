"""offline_aws/extensions/sagemaker_create_endpoint.py: a variant weight of 0.0 survives."""

import boto3

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def test_zero_weight_variant_is_reported_with_weight_zero(aws):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model(ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    sagemaker.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": name,
                "ModelName": "m1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": weight,
            }
            for name, weight in (("live", 1.0), ("staged", 0.0))
        ],
    )
    assert [
        v["InitialVariantWeight"]
        for v in sagemaker.describe_endpoint_config(EndpointConfigName="c1")["ProductionVariants"]
    ] == [1.0, 0.0]
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    variants = {v["VariantName"]: v for v in sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]}
    assert variants["staged"]["CurrentWeight"] == 0.0
    assert variants["staged"]["DesiredWeight"] == 0.0
    assert variants["staged"]["DesiredInstanceCount"] == 1
    assert variants["live"]["DesiredWeight"] == 1.0
