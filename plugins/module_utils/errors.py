# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS errors for mlops.aws_deploy's module_utils: amazon.aws's AWSErrorHandler, told what to say.

A function that calls AWS is decorated with one of amazon.aws's handlers (``common_error_handler``,
``list_error_handler`` for reads whose "not found" means None, ``deletion_error_handler`` for
deletes whose "not found" means already gone); the ClientError or BotoCoreError becomes an
``AnsibleAWSError`` carrying "Failed to <description>", which the module hands to
``module.fail_json_aws_error()``. What we add: the description may name the function's
arguments (``"read CloudWatch dashboard {name}"``), so that a message says which resource failed.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys

try:
    import botocore

    BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class ErrorHandler(AWSErrorHandler):
    """AWSErrorHandler whose descriptions may name the decorated function's arguments in braces.

    A list argument reads as its items joined by commas ("log groups a, b").
    """

    @classmethod
    def common_error_handler(cls, description):
        if isinstance(description, _Described):
            return super().common_error_handler(description)
        return _naming(description, super().common_error_handler)

    @classmethod
    def list_error_handler(cls, description, default_value=None):
        parent = super().list_error_handler
        return _naming(description, lambda text: parent(text, default_value))

    @classmethod
    def deletion_error_handler(cls, description):
        return _naming(description, super().deletion_error_handler)


class _Described(str):
    """A description whose argument names are already filled in."""


def _naming(description, handler_for):
    """A decorator that fills the call's arguments into ``description``, then applies ``handler_for(text)``."""

    def wrapper(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def handler(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            named = {
                name: ", ".join(str(item) for item in value) if isinstance(value, (list, tuple)) else value
                for name, value in bound.arguments.items()
            }
            return handler_for(_Described(description.format(**named)))(func)(*args, **kwargs)

        return handler

    return wrapper


# What a module catches around a phase of its run: botocore's errors from its own calls and the
# AnsibleAWSError that our handlers raise.
AWS_ERRORS = BOTO_ERRORS + (AnsibleAWSError,)


def fail(module, error, msg=None, **result):
    """``module.fail_json_aws_error``, with the module's own sentence (``msg``) and what the run did so far.

    ``error`` is an AnsibleAWSError from a handler (its message unless ``msg`` is given) or a
    botocore error; the AWS error is attached to the failure as ``fail_json_aws`` does.
    """
    if isinstance(error, AnsibleAWSError):
        if msg is None and not result:
            module.fail_json_aws_error(error)
        msg = msg or error.message
        error = error.exception
    if error is None:
        module.fail_json(msg=msg, **result)
    module.fail_json_aws(error, msg=msg, **result)


# SageMaker: a describe of a missing endpoint, configuration or model answers ValidationException
# "Could not find endpoint ..." (DescribeEndpoint, DescribeEndpointConfig, DescribeModel); a missing
# model package group or package ValidationException "... does not exist." or ResourceNotFound
# (DeleteModelPackageGroup, UpdateModelPackage; the code the API reference lists for them).
_SAGEMAKER_MISSING = re.compile(r"could not find|does not exist|not found", re.IGNORECASE)


def is_sagemaker_not_found(error):
    """Whether a ClientError says that the SageMaker resource asked for does not exist."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    details = error.response.get("Error", {})
    code = details.get("Code")
    if code in ("ResourceNotFound", "ResourceNotFoundException"):
        return True
    return code in ("ValidationException", "ValidationError") and bool(
        _SAGEMAKER_MISSING.search(details.get("Message", ""))
    )


def sagemaker_not_found():
    """For ``except``: ClientError when the error being handled is a SageMaker not-found, else a class never raised."""
    if is_sagemaker_not_found(sys.exc_info()[1]):
        return botocore.exceptions.ClientError
    return type("NeverEverRaisedException", (Exception,), {})


class AnsibleSageMakerError(AnsibleAWSError):
    pass


class SageMakerErrorHandler(ErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleSageMakerError

    @classmethod
    def _is_missing(cls):
        return sagemaker_not_found()


class AnsibleS3Error(AnsibleAWSError):
    pass


class S3ErrorHandler(ErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleS3Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["404", "NoSuchKey", "NotFound"])


class AnsibleSSMError(AnsibleAWSError):
    pass


class SSMErrorHandler(ErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleSSMError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ParameterNotFound")


class AnsibleCloudWatchError(AnsibleAWSError):
    pass


class CloudWatchErrorHandler(ErrorHandler):
    """CloudWatch dashboards and Logs: a missing dashboard or log group is ResourceNotFound(Exception)."""

    _CUSTOM_EXCEPTION = AnsibleCloudWatchError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFound", "ResourceNotFoundException"])


class AnsibleCodePipelineError(AnsibleAWSError):
    pass


class CodePipelineErrorHandler(ErrorHandler):
    """CodePipeline: a missing pipeline is PipelineNotFoundException (GetPipelineState, ListPipelineExecutions)."""

    _CUSTOM_EXCEPTION = AnsibleCodePipelineError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("PipelineNotFoundException")
