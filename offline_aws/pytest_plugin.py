"""pytest fixtures for the offline AWS.

`offline_aws` (session): one server per test session (per xdist worker), or the one named by
OFFLINE_AWS_ENDPOINT when a caller already runs it. `aws` (function): the server after a reset,
with its variables set in os.environ for the test (and so for every subprocess it starts).
`authorized_aws` (function): the same with IAM enforced; the test's own credentials are those of
an operator allowed every action, and `authorized_aws.as_service(service, role_arn)` gives the
credentials a service (ECS, CodeBuild, SageMaker) would hand its workload.
`iam_propagation(seconds=0, refusals=0)` (function): refuse roles younger than `seconds`, or each
role's first `refusals` uses, for the rest of the test (extensions/iam_role_propagation.py), as AWS
does right after CreateRole.
"""

import json
import os
import urllib.request
from dataclasses import dataclass

import boto3
import pytest

from offline_aws import authorization, server


@pytest.fixture(scope="session")
def offline_aws(tmp_path_factory):
    external = os.environ.get("OFFLINE_AWS_ENDPOINT")
    if external:
        yield server.OfflineAWS(endpoint=external, pid=-1)
        return
    running = server.start(state_dir=tmp_path_factory.mktemp("offline-aws"))
    try:
        yield running
    finally:
        server.stop(server=running)


@pytest.fixture
def aws(offline_aws, monkeypatch):
    authorization.relax(offline_aws.endpoint)  # a test that enforced IAM may have stopped early
    offline_aws.reset()
    for key, value in offline_aws.environment().items():
        monkeypatch.setenv(key, value)
    return offline_aws


@dataclass
class AuthorizedAWS:
    server: server.OfflineAWS
    operator: dict
    admin: dict

    @property
    def endpoint(self):
        return self.server.endpoint

    def as_service(self, service, role_arn):
        """Credentials (AWS_* variables) of role_arn as `service` assumes it for its workload."""
        return authorization.assume_role_as_service(self.endpoint, self.admin, service, role_arn)

    def session(self, env):
        return authorization.session(self.endpoint, env)


@pytest.fixture
def authorized_aws(aws, monkeypatch):
    operator, admin = authorization.bootstrap(aws.endpoint)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    for key, value in operator.items():
        monkeypatch.setenv(key, value)
    # boto3's default session keeps the credentials it first found: make it read these.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    try:
        yield AuthorizedAWS(aws, operator, admin)
    finally:
        authorization.relax(aws.endpoint)
        boto3.DEFAULT_SESSION = None


def set_iam_propagation_delay(endpoint, seconds=0, refusals=0):
    """Refuse roles younger than `seconds`, or their first `refusals` uses (0, 0: never), in
    CodeBuild CreateProject, CodePipeline CreatePipeline and SageMaker CreateModel."""
    request = urllib.request.Request(  # noqa: S310 (our loopback server)
        f"{endpoint}/moto-api/config",
        data=json.dumps({"iam_propagation_seconds": seconds, "iam_propagation_refusals": refusals}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our loopback server)
        return json.loads(response.read())["iam_propagation_seconds"]


@pytest.fixture
def iam_propagation(aws):
    try:
        yield lambda seconds=0, refusals=0: set_iam_propagation_delay(aws.endpoint, seconds, refusals)
    finally:
        set_iam_propagation_delay(aws.endpoint, 0)
