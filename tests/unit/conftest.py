"""Run a module's main() in-process with a stubbed boto3 client (botocore's Stubber).

Stubber shows what the offline AWS cannot: throttling, rollbacks, timeouts, failure states.
Usage:

    def test_throttling_is_retried(run_module, stubbed_client):
        client, stubber = stubbed_client("sagemaker")
        stubber.add_client_error("describe_endpoint", "ThrottlingException")
        stubber.add_response("describe_endpoint", {...})
        result = run_module(sagemaker_endpoint, {"name": "x", ...})
        assert not result["failed"]
"""

import json

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule


@pytest.fixture
def stubbed_client(monkeypatch):
    """Make every AnsibleAWSModule.client(service) return one stubbed client per service."""
    clients = {}

    def make(service):
        client = boto3.client(
            service,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            endpoint_url=f"https://{service}.us-east-1.amazonaws.com",
            config=Config(retries={"max_attempts": 1}),
        )
        stubber = Stubber(client)
        stubber.activate()
        clients[service] = (client, stubber)
        return client, stubber

    def fake_client(self, service, retry_decorator=None, **kwargs):
        if service not in clients:
            make(service)
        client = clients[service][0]
        if retry_decorator is None:
            return client
        # The same wrapping AnsibleAWSModule does, so `aws_retry=True` calls retry for real.
        from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

        return RetryingBotoClientWrapper(client, retry_decorator)

    monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
    # Retries back off with sleeps; make them instant in unit tests.
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    yield make
    for client_and_stubber in clients.values():
        client_and_stubber[1].deactivate()


@pytest.fixture
def run_module(capsys):
    """Run module.main() with args; return its JSON result (with failed=True on fail_json)."""

    def run(module, args, check_mode=False, diff=False):
        args = dict(args)
        args.setdefault("region", "us-east-1")
        args.setdefault("access_key", "testing")
        args.setdefault("secret_key", "testing")
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        result = json.loads(capsys.readouterr().out)
        result.setdefault("failed", False)
        return result

    return run
