"""module_utils/retries.py: one retry policy, each service's extra throttling codes retried.

The codes are the ones each service documents for throttling (SageMaker ThrottlingException, S3
SlowDown, Application Auto Scaling ConcurrentUpdateException, Logs LimitExceededException);
botocore's Stubber answers with them, then with success.
"""

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def stubbed(service):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))
    stubber = Stubber(client)
    stubber.activate()
    return client, stubber


@pytest.mark.parametrize(("service", "operation", "params", "response", "code"), [
    ("sagemaker", "list_endpoints", {}, {"Endpoints": []}, "ThrottlingException"),
    ("s3", "list_buckets", {}, {"Buckets": []}, "SlowDown"),
    ("application-autoscaling", "describe_scalable_targets", {"ServiceNamespace": "sagemaker"},
     {"ScalableTargets": []}, "ConcurrentUpdateException"),
    ("logs", "describe_log_groups", {}, {"logGroups": []}, "LimitExceededException"),
])
def test_each_services_throttling_code_is_retried(service, operation, params, response, code):
    client, stubber = stubbed(service)
    stubber.add_client_error(operation, code, "slow down", 400)
    stubber.add_response(operation, response)
    wrapped = RetryingBotoClientWrapper(client, retries.retry_decorator(service))
    assert getattr(wrapped, operation)(aws_retry=True, **params) == response
    stubber.assert_no_pending_responses()


def test_another_services_code_is_not_retried():
    client, stubber = stubbed("sagemaker")
    stubber.add_client_error("list_endpoints", "SlowDown", "S3's code, not SageMaker's", 400)
    wrapped = RetryingBotoClientWrapper(client, retries.retry_decorator("sagemaker"))
    with pytest.raises(client.exceptions.ClientError):
        wrapped.list_endpoints(aws_retry=True)


def test_codes_of_several_services_are_merged_once():
    assert retries.extra_codes("sagemaker", "s3", "ssm") == ["ThrottlingException", "SlowDown"]


def test_the_bare_client_is_behind_the_wrapper():
    client, _stubber = stubbed("sagemaker")
    assert retries.bare_client(RetryingBotoClientWrapper(client, retries.retry_decorator("sagemaker"))) is client
    assert retries.bare_client(client) is client
