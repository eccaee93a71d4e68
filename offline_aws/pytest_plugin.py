"""pytest fixtures for the offline AWS.

`offline_aws` (session): one server per test session (per xdist worker), or the one named by
OFFLINE_AWS_ENDPOINT when a caller already runs it. `aws` (function): the server after a reset,
with its variables set in os.environ for the test (and so for every subprocess it starts).
"""

import os

import pytest

from offline_aws import server


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
    offline_aws.reset()
    for key, value in offline_aws.environment().items():
        monkeypatch.setenv(key, value)
    return offline_aws
