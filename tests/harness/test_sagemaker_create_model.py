"""offline_aws/extensions/sagemaker_create_model.py: EnableNetworkIsolation is kept."""

import boto3

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def test_network_isolation_is_described_as_requested(aws):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model(
        ModelName="isolated", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"}, EnableNetworkIsolation=True
    )
    sagemaker.create_model(ModelName="open", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    assert sagemaker.describe_model(ModelName="isolated")["EnableNetworkIsolation"] is True
    assert sagemaker.describe_model(ModelName="open")["EnableNetworkIsolation"] is False
