"""The offline AWS throttles like AWS when told to: by share, or the Nth call of an operation.

Each protocol gets the error its clients receive from AWS, so botocore parses the code exactly as
it would on AWS (and its retry handlers classify it as throttling).
"""

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

from offline_aws.extensions import throttling

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client(service, **kwargs):
    return boto3.client(service, config=kwargs.pop("config", NO_RETRY), **kwargs)


def error_of(call, **params):
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response


@pytest.mark.parametrize(
    ("service", "operation", "params", "code", "status"),
    [
        ("elbv2", "describe_target_groups", {}, "Throttling", 400),  # query
        ("ecs", "list_clusters", {}, "ThrottlingException", 400),  # JSON 1.1
        ("cloudwatch", "describe_alarms", {}, "Throttling", 400),  # JSON, awsQuery-compatible
        ("ec2", "describe_vpcs", {}, "RequestLimitExceeded", 503),  # EC2 protocol
        ("iam", "list_roles", {}, "Throttling", 400),  # query
        ("s3", "list_buckets", {}, "SlowDown", 503),  # REST-XML
    ],
)
def test_each_protocol_gets_the_error_shape_of_aws(aws, service, operation, params, code, status):
    throttling.configure(aws.endpoint, share=1.0)
    response = error_of(getattr(client(service), operation), **params)
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_botocore_classifies_the_errors_as_throttling_and_retries_them(aws):
    # The 1st and 2nd DescribeTargetGroups are throttled; standard mode's 3 attempts get through.
    throttling.configure(aws.endpoint, nth={"DescribeTargetGroups": [1, 2]})
    elbv2 = client("elbv2", config=botocore.config.Config(retries={"total_max_attempts": 3, "mode": "standard"}))
    response = elbv2.describe_target_groups()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_the_nth_call_of_an_operation_is_throttled_and_the_others_pass(aws):
    throttling.configure(aws.endpoint, nth={"ecs:ListClusters": [2]})
    ecs = client("ecs")
    ecs.list_clusters()
    assert error_of(ecs.list_clusters)["Error"]["Code"] == "ThrottlingException"
    ecs.list_clusters()
    report = throttling.report(aws.endpoint)
    assert report["calls"] == {"ecs:ListClusters": 3}
    assert report["throttled"] == {"ecs:ListClusters": 1}


def test_share_is_reproducible_with_a_seed_and_bounded_to_the_services_named(aws):
    def throttled_pattern():
        throttling.configure(aws.endpoint, share=0.5, seed=3, services=["ecs"])
        ecs, elbv2 = client("ecs"), client("elbv2")
        pattern = []
        for _ in range(20):
            try:
                ecs.list_clusters()
                pattern.append(False)
            except ClientError:
                pattern.append(True)
        for _ in range(5):
            elbv2.describe_target_groups()  # never throttled: not a named service
        return pattern

    first = throttled_pattern()
    assert first == throttled_pattern()
    assert 3 <= sum(first) <= 17


def test_counts_are_reported_and_reset_switches_throttling_off(aws):
    throttling.configure(aws.endpoint, nth={"ListClusters": [1]})
    ecs = client("ecs")
    error_of(ecs.list_clusters)
    ecs.list_clusters()
    # Reconfiguring answers what the replaced configuration counted, and counts afresh.
    replaced = throttling.configure(aws.endpoint, nth={"ListClusters": [1]})
    assert replaced["calls"] == {"ecs:ListClusters": 2} and replaced["throttled"] == {"ecs:ListClusters": 1}
    assert throttling.report(aws.endpoint) == {"config": {"nth": {"ListClusters": [1]}}, "calls": {}, "throttled": {}}
    error_of(ecs.list_clusters)
    aws.reset()
    ecs.list_clusters()  # the 2nd call, and throttling is off anyway
    assert throttling.report(aws.endpoint)["config"] == {}
    throttling.configure(aws.endpoint, share=1.0)
    throttling.configure(aws.endpoint)  # no settings: off
    ecs.list_clusters()


def test_a_bad_configuration_is_refused_with_the_reason(aws):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as caught:
        throttling.configure(aws.endpoint, share=2)
    assert caught.value.code == 400
    assert b"share must be a number from 0 to 1" in caught.value.read()
