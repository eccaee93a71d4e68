"""TestEventPattern answers whether a pattern matches an event, as EventBridge does."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": ["artifacts"]}, "object": {"key": ["source/app.zip"]}},
}


def object_created(key):
    """The event S3 sends to EventBridge for an upload (S3 user guide, EventBridge event message structure)."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::artifacts"],
        "detail": {
            "version": "0",
            "bucket": {"name": "artifacts"},
            "object": {"key": key, "size": 5},
            "reason": "PutObject",
        },
    }


def test_the_pattern_matches_its_object_only(aws):
    events = boto3.client("events")
    pattern = json.dumps(PATTERN)
    assert events.test_event_pattern(EventPattern=pattern, Event=json.dumps(object_created("source/app.zip")))["Result"]
    assert not events.test_event_pattern(EventPattern=pattern, Event=json.dumps(object_created("other.zip")))["Result"]


def test_an_event_without_its_required_fields_is_refused(aws):
    event = object_created("source/app.zip")
    del event["account"]
    with pytest.raises(ClientError) as caught:
        boto3.client("events").test_event_pattern(EventPattern=json.dumps(PATTERN), Event=json.dumps(event))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
