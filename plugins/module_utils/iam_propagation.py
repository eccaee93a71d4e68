# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded retries of the errors AWS services give for an IAM role created seconds ago.

IAM is eventually consistent: right after CreateRole (or a trust policy change) a service cannot
assume the role yet and refuses the call with an error that names the role, e.g. SageMaker
CreateModel: ValidationException "Could not assume role <arn>. Please ensure that the role exists
and allows principal 'sagemaker.amazonaws.com' to assume the role." The same error code is used
for real mistakes, so only these messages are retried, for a bounded time; a role that is still
refused after it is the user's to fix and the error reaches them unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

try:  # noqa: SIM105 (the AWS collections' pattern; AnsibleAWSModule reports a missing botocore)
    from botocore.exceptions import ClientError
except ImportError:
    pass

# (error code, text of the message) per service call that takes a role.
SAGEMAKER_ASSUME_ROLE = ("ValidationException", "Could not assume role")
CODEBUILD_ASSUME_ROLE = ("InvalidInputException", "not authorized to perform: sts:AssumeRole")
CODEPIPELINE_ASSUME_ROLE = ("InvalidStructureException", "not authorized to perform AssumeRole")
# AWS documents propagation as usually seconds; a minute covers a slow region and stays bounded.
TIMEOUT_SECONDS = 60
INTERVAL_SECONDS = 3


def is_role_propagating(error, expected):
    code, text = expected
    details = error.response.get("Error", {})
    return details.get("Code") == code and text in details.get("Message", "")


def call_while_role_propagates(call, expected, timeout=TIMEOUT_SECONDS, interval=INTERVAL_SECONDS, sleep=time.sleep,
                               clock=time.monotonic):
    """call() until it stops failing with `expected` (a pair above), at most `timeout` seconds."""
    deadline = clock() + timeout
    while True:
        try:
            return call()
        except ClientError as error:
            if not is_role_propagating(error, expected) or clock() + interval > deadline:
                raise
        sleep(interval)
