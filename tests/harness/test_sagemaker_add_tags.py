"""offline_aws/extensions/sagemaker_add_tags.py: AddTags overwrites a key's value."""

import boto3

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def test_add_tags_replaces_the_value_of_an_existing_key(aws):
    sagemaker = boto3.client("sagemaker")
    arn = sagemaker.create_model(
        ModelName="m1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "img:1"},
        Tags=[{"Key": "team", "Value": "a"}, {"Key": "keep", "Value": "1"}],
    )["ModelArn"]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
    tags = sagemaker.list_tags(ResourceArn=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("keep", "1"), ("team", "b")]
