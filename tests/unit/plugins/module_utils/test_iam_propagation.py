"""module_utils/iam_propagation.py: only the propagation error is retried, and only for a bounded time.

The offline AWS shows the retry end to end (tests/playbooks/test_iam_actors.py, with
extensions/iam_role_propagation.py); Stubber shows the bounds and what is not retried, with
SageMaker's documented ValidationException.
"""

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.mlops.aws_deploy.plugins.module_utils import iam_propagation

ROLE = "arn:aws:iam::123456789012:role/fresh"
PROPAGATING = (
    f"Could not assume role {ROLE}. Please ensure that the role exists and allows principal "
    "'sagemaker.amazonaws.com' to assume the role."
)
REQUEST = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "i:1"}}


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def sagemaker():
    client = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stubber:
        yield client, stubber


def create_model(client, clock, timeout=iam_propagation.TIMEOUT_SECONDS):
    return iam_propagation.call_while_role_propagates(
        lambda: client.create_model(**REQUEST),
        iam_propagation.SAGEMAKER_ASSUME_ROLE,
        timeout=timeout,
        sleep=clock.sleep,
        clock=lambda: clock.now,
    )


def test_the_propagation_error_is_retried_until_the_role_works(sagemaker):
    client, stubber = sagemaker
    for _attempt in range(2):
        stubber.add_client_error("create_model", "ValidationException", PROPAGATING, 400)
    stubber.add_response("create_model", {"ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m"})
    clock = Clock()
    assert create_model(client, clock)["ModelArn"].endswith("model/m")
    assert clock.sleeps == [iam_propagation.INTERVAL_SECONDS] * 2


def test_the_retries_stop_at_the_timeout_with_aws_error(sagemaker):
    client, stubber = sagemaker
    for _attempt in range(4):
        stubber.add_client_error("create_model", "ValidationException", PROPAGATING, 400)
    clock = Clock()
    with pytest.raises(ClientError, match="Could not assume role"):
        create_model(client, clock, timeout=10)
    assert clock.now <= 10


def test_another_validation_error_is_not_retried(sagemaker):
    client, stubber = sagemaker
    stubber.add_client_error("create_model", "ValidationException", "Requested image i:1 not found.", 400)
    clock = Clock()
    with pytest.raises(ClientError, match="not found"):
        create_model(client, clock)
    assert clock.sleeps == []
