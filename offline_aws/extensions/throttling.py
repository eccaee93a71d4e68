"""Throttling: answer a share of calls, or the Nth call of an operation, with AWS's throttling error.

AWS throttles every API (token buckets per account, region and operation); moto never does, so
code that forgets to retry, or a waiter outside the retry wrapper, passes offline and fails on
AWS. This extension sits in front of moto's dispatcher and, when switched on, answers the chosen
calls with the error each protocol's clients really receive:

- JSON 1.0/1.1 (ECS, ECR, Application Auto Scaling, Logs, SSM, KMS, SageMaker...): HTTP 400,
  ``{"__type": "ThrottlingException", "message": "Rate exceeded"}`` (AWS "Common Errors":
  ThrottlingException, 400). CloudWatch speaks JSON as an awsQuery-compatible service: its code is
  ``Throttling`` (CloudWatch API reference, Common Errors), carried in ``x-amzn-query-error``.
- Query (ELBv2, IAM, STS, Auto Scaling...): HTTP 400, ``<ErrorResponse><Error><Type>Sender</Type>
  <Code>Throttling</Code><Message>Rate exceeded</Message></Error>...`` (ELBv2 / IAM Common Errors).
- EC2: HTTP 503, ``<Response><Errors><Error><Code>RequestLimitExceeded</Code>...``
  (EC2 API reference, "Request throttling").
- S3 (REST-XML): HTTP 503 ``SlowDown`` (S3 API reference, error responses).

Configuration (nothing is throttled until told): ``POST /moto-api/throttling`` with a JSON body,
or the ``OFFLINE_AWS_THROTTLING`` environment variable of the server (same JSON) for a whole run:

    {"share": 0.3, "seed": 7,                   # throttle 30% of calls, reproducibly
     "services": ["elbv2", "ecs"],              # optional: only these (signing names)
     "operations": ["DescribeTargetHealth"],    # optional: only these operations (for "share")
     "nth": {"DescribeTargetHealth": [1, 3]}}   # the 1st and 3rd call of the operation
                                                # (also "elbv2:DescribeTargetHealth")

``GET /moto-api/throttling`` returns the configuration with the counts of calls and throttles per
operation (a POST returns those of the configuration it replaces; ``{}`` switches throttling off);
``POST /moto-api/reset`` (the harness's reset between tests) also switches it off.
"""

import json
import os
import random
import re
import threading
import urllib.parse
import uuid

from offline_aws.extensions._control import get, json_response, post, read_body

CONTROL_PATH = "/moto-api/throttling"
RESET_PATH = "/moto-api/reset"
ENVIRONMENT_VARIABLE = "OFFLINE_AWS_THROTTLING"

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# awsQuery-compatible JSON services whose throttling code is the query one.
QUERY_COMPATIBLE_JSON = {"monitoring"}


class Throttling:
    """The configuration and the counters; thread-safe (moto's server is threaded)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.configure({})

    def configure(self, config):
        problem = _check(config)
        if problem:
            raise ValueError(problem)
        with self._lock:
            self.config = dict(config)
            self.random = random.Random(config.get("seed"))  # noqa: S311 (which call to throttle, not a secret)
            self.calls = {}
            self.throttled = {}

    def report(self):
        with self._lock:
            return {"config": self.config, "calls": dict(self.calls), "throttled": dict(self.throttled)}

    def should_throttle(self, service, operation):
        """Count the call; True when it must be answered with a throttling error."""
        config = self.config
        if not config:
            return False
        key = "%s:%s" % (service, operation)
        with self._lock:
            count = self.calls[key] = self.calls.get(key, 0) + 1
            nth = config.get("nth") or {}
            hit = count in (nth.get(key) or nth.get(operation) or [])
            if not hit and config.get("share"):
                wanted_service = not config.get("services") or service in config["services"]
                wanted_operation = not config.get("operations") or operation in config["operations"]
                hit = wanted_service and wanted_operation and self.random.random() < config["share"]
            if hit:
                self.throttled[key] = self.throttled.get(key, 0) + 1
            return hit


def _check(config):
    if not isinstance(config, dict):
        return "the throttling configuration must be a JSON object"
    unknown = sorted(set(config) - {"share", "seed", "services", "operations", "nth"})
    if unknown:
        return "unknown throttling setting(s): %s" % ", ".join(unknown)
    share = config.get("share", 0)
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        return "share must be a number from 0 to 1, got %r" % (share,)
    for name in ("services", "operations"):
        if not isinstance(config.get(name, []), list):
            return "%s must be a list of names" % name
    nth = config.get("nth", {})
    if not isinstance(nth, dict) or not all(
        isinstance(v, list) and all(isinstance(n, int) and n >= 1 for n in v) for v in nth.values()
    ):
        return "nth must map operation names to lists of call numbers (1 = the first call)"
    return None


def identify(environ, body):
    """(signing service, operation, protocol) of a request; operation None when it has no name."""
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = match.group(1) if match else None
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1], "json"
    params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if not params.get("Action") and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if params.get("Action"):
        return service, params["Action"][0], "ec2" if service == "ec2" else "query"
    if service == "s3":
        return service, environ.get("REQUEST_METHOD", "GET"), "rest-xml"
    return service, None, None


def error_response(service, protocol):
    """(status, headers, body) of AWS's throttling error in the request's protocol."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        code = "Throttling" if service in QUERY_COMPATIBLE_JSON else "ThrottlingException"
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
        if service in QUERY_COMPATIBLE_JSON:
            headers.append(("x-amzn-query-error", "%s;Sender" % code))
        return "400 Bad Request", headers, json.dumps({"__type": code, "message": "Rate exceeded"}).encode()
    if protocol == "ec2":
        body = (
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
            "</Message></Error></Errors><RequestID>%s</RequestID></Response>" % request_id
        )
        return "503 Service Unavailable", [("Content-Type", "text/xml")], body.encode()
    if protocol == "rest-xml":
        body = (
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
            "<RequestId>%s</RequestId></Error>" % request_id
        )
        return "503 Slow Down", [("Content-Type", "application/xml")], body.encode()
    body = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
        "</Error><RequestId>%s</RequestId></ErrorResponse>" % request_id
    )
    return "400 Bad Request", [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()


def middleware(throttling, app):
    """A WSGI callable: the control endpoint, throttled answers, everything else to ``app``."""

    def call(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PATH:
            report = throttling.report()
            if environ.get("REQUEST_METHOD") == "POST":  # answers what the replaced configuration counted
                try:
                    throttling.configure(json.loads(read_body(environ) or b"{}"))
                except ValueError as e:
                    return json_response(start_response, "400 Bad Request", {"error": str(e)})
            return json_response(start_response, "200 OK", report)
        if path.startswith("/moto-api/"):
            if path == RESET_PATH:
                throttling.configure({})
            return app(environ, start_response)
        if throttling.config:
            service, operation, protocol = identify(environ, read_body(environ))
            if operation and throttling.should_throttle(service, operation):
                status, headers, body = error_response(service, protocol)
                start_response(status, headers + [("Content-Length", str(len(body)))])
                return [body]
        return app(environ, start_response)

    return call


THROTTLING = Throttling()


def apply():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    initial = os.environ.get(ENVIRONMENT_VARIABLE)
    if initial:
        THROTTLING.configure(json.loads(initial))
    dispatch = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        return middleware(THROTTLING, lambda env, start: dispatch(self, env, start))(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__


def configure(endpoint, **config):
    """Client side, for tests and benchmarks: set the throttling of the server at ``endpoint``.

    No settings switch it off. Returns the report (counts) of the configuration it replaces.
    """
    return post(endpoint, CONTROL_PATH, config)


def report(endpoint):
    """Client side: the configuration and the counts of calls and throttles per operation."""
    return get(endpoint, CONTROL_PATH)
