# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bounded waits of the blue/green modules that survive throttling.

botocore's waiters call the raw client: the retry wrapper never sees their calls, and a waiter
ends at the first error that is not one of its acceptors, so one ThrottlingException on
DescribeTargetHealth ended a wait for healthy targets at once and the deploy rolled back for
nothing. Here every poll is an ``aws_retry=True`` call (the module's backoff), and a throttle
that outlasts the backoff is one more "not yet": the wait goes on until its deadline and reports
what it last saw and how often AWS throttled it. Time comes from the rollout's ``Clock``.
"""

try:
    from botocore.exceptions import ClientError
except ImportError:
    ClientError = None  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def poll(clock, timeout, delay, probe, retry_codes=None):
    """Call ``probe()`` now and every ``delay`` seconds until it is done or ``timeout`` seconds pass.

    ``probe`` returns ``(done, observation)``. Returns {"done", "observation" (the last one, None
    when every poll was throttled), "polls", "throttled" (polls that AWS throttled past the
    retries), "waited" (seconds)}. Errors other than throttling propagate. Bounded: at most
    ceil(timeout / delay) + 1 polls.
    """
    start = clock.now()
    deadline = start + max(0, timeout)
    delay = max(1, delay)
    result = {"done": False, "observation": None, "polls": 0, "throttled": 0}
    while True:
        result["polls"] += 1
        try:
            done, observation = probe()
            result["observation"] = observation
            if done:
                result["done"] = True
                break
        except ClientError as e:
            if not AWSRetry.found(AWSRetry.status_code_from_exception(e), retry_codes):
                raise
            result["throttled"] += 1
        remaining = deadline - clock.now()
        if remaining <= 0:
            break
        clock.sleep(min(delay, remaining))
    result["waited"] = round(clock.now() - start, 3)
    return result


def throttling_note(result):
    """A clause for a timeout message when AWS throttled some of the polls, else ''."""
    if not result["throttled"]:
        return ""
    return f" (AWS throttled {result['throttled']} of {result['polls']} checks)"
