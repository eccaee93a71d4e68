"""ScheduleKeyDeletion takes the key's ARN as well as its id, as AWS does (moto answered a 500)."""

import boto3


def test_a_key_scheduled_for_deletion_by_its_arn(aws):
    kms = boto3.client("kms")
    key = kms.create_key(Description="model store")["KeyMetadata"]
    answer = kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
    assert answer["KeyId"] == key["Arn"]
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_a_key_scheduled_for_deletion_by_its_id(aws):
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
