"""CancelKeyDeletion takes the key's ARN as well as its id, as AWS does: amazon.aws.kms_key sends the ARN
when site.yml finds the model store's key scheduled for deletion by a teardown."""

import boto3


def test_a_key_scheduled_for_deletion_is_cancelled_by_its_arn_and_stays_disabled(aws):
    kms = boto3.client("kms")
    key = kms.create_key(Description="model store")["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
    answer = kms.cancel_key_deletion(KeyId=key["Arn"])
    assert answer["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"


def test_a_key_scheduled_for_deletion_is_cancelled_by_its_id(aws):
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["KeyId"])
    assert kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyState"] == "Disabled"
