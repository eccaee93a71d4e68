"""EnableKey takes the key's ARN as well as its id, as AWS does (moto answered a 500 for the ARN):
amazon.aws.kms_key enables the model store's key by its ARN after cancelling its deletion."""

import boto3


def test_a_disabled_key_is_enabled_by_its_arn(aws):
    kms = boto3.client("kms")
    key = kms.create_key(Description="model store")["KeyMetadata"]
    kms.disable_key(KeyId=key["KeyId"])
    kms.enable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


def test_a_key_whose_deletion_was_cancelled_is_enabled_by_its_arn(aws):
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
    kms.cancel_key_deletion(KeyId=key["Arn"])
    kms.enable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyState"] == "Enabled"
