"""GetBucketNotificationConfiguration reports EventBridgeConfiguration once it is on, as AWS does."""

import boto3


def test_eventbridge_delivery_is_reported_with_the_other_configurations(aws):
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.create_bucket(Bucket="events-probe")
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket="events-probe")

    s3.put_bucket_notification_configuration(
        Bucket="events-probe", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert s3.get_bucket_notification_configuration(Bucket="events-probe")["EventBridgeConfiguration"] == {}

    queue = sqs.get_queue_attributes(
        QueueUrl=sqs.create_queue(QueueName="uploads")["QueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    both = {
        "EventBridgeConfiguration": {},
        "QueueConfigurations": [{"QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}],
    }
    s3.put_bucket_notification_configuration(Bucket="events-probe", NotificationConfiguration=both)
    answer = s3.get_bucket_notification_configuration(Bucket="events-probe")
    assert answer["EventBridgeConfiguration"] == {} and answer["QueueConfigurations"][0]["QueueArn"] == queue

    s3.put_bucket_notification_configuration(Bucket="events-probe", NotificationConfiguration={})
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket="events-probe")
