"""module_utils/errors.py: amazon.aws's AWSErrorHandler with descriptions that name the resource,
and the one SageMaker not-found check. The errors are those of AWS's API references, as botocore
raises them (ClientError with the documented code and message)."""

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.mlops.aws_deploy.plugins.module_utils import errors


def client_error(code, message="", operation="DescribeEndpoint"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(("code", "message"), [
    ("ValidationException", 'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x".'),
    ("ValidationException", "Could not find model \"arn:aws:sagemaker:us-east-1:123456789012:model/m\"."),
    ("ValidationException", "ModelPackageGroup arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g "
                            "does not exist."),
    ("ResourceNotFound", "Model package arn:aws:sagemaker:us-east-1:123456789012:model-package/g/2 not found"),
])
def test_sagemakers_documented_not_found_answers_are_not_found(code, message):
    assert errors.is_sagemaker_not_found(client_error(code, message))


@pytest.mark.parametrize(("code", "message"), [
    ("ValidationException", "1 validation error detected: Value 'x y' at 'endpointName' failed to satisfy constraint"),
    ("AccessDeniedException", "User is not authorized to perform: sagemaker:DescribeEndpoint"),
    ("ThrottlingException", "Rate exceeded"),
])
def test_other_errors_are_not_not_found(code, message):
    assert not errors.is_sagemaker_not_found(client_error(code, message))


@errors.SageMakerErrorHandler.list_error_handler("describe SageMaker endpoint {name}")
def describe(client, name):
    raise client.error


@errors.SageMakerErrorHandler.deletion_error_handler("delete SageMaker model {name}")
def delete(client, name):
    raise client.error


@errors.CloudWatchErrorHandler.common_error_handler("read the log events of {groups}")
def read(client, groups):
    raise client.error


class Raising:
    def __init__(self, error):
        self.error = error


def test_a_read_of_a_missing_resource_is_none_and_a_delete_false():
    gone = Raising(client_error("ValidationException", 'Could not find endpoint "x".'))
    assert describe(gone, "x") is None
    assert delete(gone, name="x") is False


def test_a_failure_names_the_resource_from_the_call_arguments():
    with pytest.raises(errors.AnsibleSageMakerError) as caught:
        describe(Raising(client_error("AccessDeniedException", "denied")), "mobileml-prod-model")
    assert caught.value.message == "Failed to describe SageMaker endpoint mobileml-prod-model"
    assert caught.value.exception.response["Error"]["Code"] == "AccessDeniedException"


def test_a_list_argument_reads_as_its_items():
    with pytest.raises(errors.AnsibleCloudWatchError) as caught:
        read(Raising(botocore.exceptions.EndpointConnectionError(endpoint_url="https://logs")), ["/a", "/b"])
    assert caught.value.message == "Failed to read the log events of /a, /b"


class Exited(Exception):
    pass


class Module:
    """What errors.fail asks of AnsibleAWSModule; each failure ends the module, as the real ones do."""

    def __init__(self):
        self.calls = []

    def fail_json_aws_error(self, error):
        self.calls.append(("fail_json_aws_error", error.message))
        raise Exited

    def fail_json_aws(self, error, msg, **result):
        self.calls.append(("fail_json_aws", type(error).__name__, msg, result))
        raise Exited

    def fail_json(self, msg, **result):
        self.calls.append(("fail_json", msg, result))
        raise Exited


def test_fail_keeps_the_modules_sentence_and_the_aws_error():
    cause = client_error("AccessDeniedException", "denied")
    module = Module()
    for error, extra in [
        (AnsibleAWSError(message="Failed to describe x", exception=cause), {}),
        (AnsibleAWSError(message="Failed to describe x", exception=cause), {"msg": "Failed to read x", "plan": []}),
        (cause, {"msg": "Failed to read y"}),
        (AnsibleAWSError(message="no AWS error behind it"), {"plan": []}),
    ]:
        with pytest.raises(Exited):
            errors.fail(module, error, **extra)
    assert module.calls == [
        ("fail_json_aws_error", "Failed to describe x"),
        ("fail_json_aws", "ClientError", "Failed to read x", {"plan": []}),
        ("fail_json_aws", "ClientError", "Failed to read y", {}),
        ("fail_json", "no AWS error behind it", {"plan": []}),
    ]
