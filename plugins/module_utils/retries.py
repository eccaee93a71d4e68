# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one retry policy of mlops.aws_deploy's AWS clients.

amazon.aws's ``AWSRetry.jittered_backoff()`` retries the throttles every service shares
(``Throttling``, ``RequestLimitExceeded``, ...); each service below adds the codes it answers
past its rate that AWSRetry does not know. ``client(module, service)`` is how a module gets a
client: a ``RetryingBotoClientWrapper`` whose ``aws_retry=True`` calls use that policy.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Extra error codes per service (botocore's service names).
EXTRA_CODES = {
    # SageMaker, SSM, CloudWatch, ECS and ELB throttle with ThrottlingException.
    "sagemaker": ["ThrottlingException"],
    "ssm": ["ThrottlingException"],
    "sts": ["ThrottlingException"],
    "cloudwatch": ["ThrottlingException"],
    "ecs": ["ThrottlingException"],
    "elbv2": ["ThrottlingException"],
    # S3 asks for less with SlowDown.
    "s3": ["SlowDown"],
    # Application Auto Scaling answers ConcurrentUpdateException while another change is in flight.
    "application-autoscaling": ["ThrottlingException", "ConcurrentUpdateException"],
    # Logs answers LimitExceededException when more than the allowed Insights queries run at once
    # (30 per account): it passes with time.
    "logs": ["ThrottlingException", "LimitExceededException", "ServiceUnavailableException"],
}
# A blue/green deployment's calls (ECS, ELBv2, CloudWatch, Application Auto Scaling) retry sooner
# than AWSRetry's default (delay 3 s, up to 60 s): a weight shift must not sit a minute behind one
# throttle while its bake clock runs.
BLUE_GREEN_BACKOFF = {"retries": 10, "delay": 1, "max_delay": 20}


def extra_codes(*services):
    """The extra retryable error codes of these services, in a stable order."""
    codes = []
    for service in services:
        for code in EXTRA_CODES.get(service, ["ThrottlingException"]):
            if code not in codes:
                codes.append(code)
    return codes


def retry_decorator(*services, **backoff):
    """``AWSRetry.jittered_backoff`` with the extra codes of these services (``backoff``: retries, delay, max_delay)."""
    return AWSRetry.jittered_backoff(catch_extra_error_codes=extra_codes(*services), **backoff)


def client(module, service, **backoff):
    """``module.client(service)`` wrapped with the service's retry policy (opt in with aws_retry=True)."""
    return module.client(service, retry_decorator=retry_decorator(service, **backoff))


def bare_client(client_or_wrapper):
    """The botocore client behind a retrying wrapper, for botocore waiters (which call it directly)."""
    return getattr(client_or_wrapper, "client", client_or_wrapper)


def is_retryable(error, *services):
    """Whether a ClientError is one of the codes the services' retry policy retries."""
    return AWSRetry.found(AWSRetry.status_code_from_exception(error), extra_codes(*services))
