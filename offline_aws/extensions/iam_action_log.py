"""A log of the IAM action of every request, for least-privilege figures (benchmarks/iam/).

With `OFFLINE_AWS_ACTION_LOG=<file>` in the server's environment, each request appends one JSON
line {"key": <access key id>, "action": "<iam prefix>:<Action>"} to that file, whether or not
IAM is enforced (a full run under an allow-all identity shows what a policy must grant). Without
the variable nothing is recorded.
"""

import contextlib
import json
import os
import re
import threading

from moto.core.authorization import ActionAuthenticatorMixin

from offline_aws.extensions.iam_action_prefixes import IAM_PREFIX_OF_SIGNING_NAME

_original = ActionAuthenticatorMixin._authenticate_and_authorize_action
_lock = threading.Lock()
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/")


def record(response):
    path = os.environ.get("OFFLINE_AWS_ACTION_LOG")
    match = CREDENTIAL.search(response.headers.get("Authorization", "") or "")
    if not path or not match:
        return
    key, service = match.groups()
    action = response._get_action()
    action = action[0] if isinstance(action, list) else action
    line = json.dumps({"key": key, "action": f"{IAM_PREFIX_OF_SIGNING_NAME.get(service, service)}:{action}"})
    with _lock, open(path, "a") as log:
        log.write(line + "\n")


def authenticate_and_authorize_action(self, iam_request_cls, resource="*"):
    with contextlib.suppress(Exception):  # figures only: never fail a request for them
        record(self)
    return _original(self, iam_request_cls, resource)


def apply():
    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize_action
