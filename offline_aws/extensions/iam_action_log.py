"""A log of the IAM action of every request, for least-privilege figures (benchmarks/iam/).

With `OFFLINE_AWS_ACTION_LOG=<file>` in the server's environment, each request appends one JSON
line {"key": <access key id>, "identity": <its user or assumed-role ARN, when IAM knows the key>,
"action": "<iam prefix>:<Action>"} to that file, whether or not
IAM is enforced (a full run under an allow-all identity shows what a policy must grant). Without
the variable nothing is recorded. IAM PutRolePolicy/PutUserPolicy lines also carry the policy
({"granted_to": <role or user name>, "policy_name": ..., "document": ...}), so that a report can compare what each
actor used with what it was granted (benchmarks/iam/report.py).
"""

import contextlib
import json
import os
import re
import threading

from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import create_access_key

from offline_aws.extensions.iam_action_prefixes import IAM_PREFIX_OF_SIGNING_NAME

_original = ActionAuthenticatorMixin._authenticate_and_authorize_action
_lock = threading.Lock()
CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/[^/]+/([^/]+)/")


def identity(response, key):
    """The caller's ARN, or None for a key IAM does not know (the shared `testing` key)."""
    try:
        return create_access_key(response.current_account, "aws", key, response.headers).arn
    except Exception:  # noqa: BLE001 (unknown key)
        return None


def record(response):
    path = os.environ.get("OFFLINE_AWS_ACTION_LOG")
    match = CREDENTIAL.search(response.headers.get("Authorization", "") or "")
    if not path or not match:
        return
    key, service = match.groups()
    action = response._get_action()
    action = action[0] if isinstance(action, list) else action
    prefix = IAM_PREFIX_OF_SIGNING_NAME.get(service, service)
    entry = {"key": key, "identity": identity(response, key), "action": f"{prefix}:{action}"}
    if entry["action"] in ("iam:PutRolePolicy", "iam:PutUserPolicy"):
        params = {name: values[0] for name, values in response.querystring.items() if values}
        entry["granted_to"] = params.get("RoleName") or params.get("UserName")
        entry["policy_name"] = params.get("PolicyName")
        entry["document"] = params.get("PolicyDocument")
    line = json.dumps(entry)
    with _lock, open(path, "a") as log:
        log.write(line + "\n")


def authenticate_and_authorize_action(self, iam_request_cls, resource="*"):
    with contextlib.suppress(Exception):  # figures only: never fail a request for them
        record(self)
    return _original(self, iam_request_cls, resource)


def apply():
    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize_action
