"""IAM's backends are built once per use, not once per partition (extensions/iam_backend_build.py):
a request builds only the partition it uses, an access key still names its own account, and each
backend keeps its own managed policies (their attachment counts are its own)."""

import boto3
import pytest
from moto import mock_aws
from moto.iam import models

from offline_aws.extensions import iam_backend_build

MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'  # noqa: E501


@pytest.fixture
def built(monkeypatch):
    """moto in this process with the managed policies and the extension; the partitions built."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    for name in ("_init_aws_policies", "__init__"):
        monkeypatch.setattr(models.IAMBackend, name, getattr(models.IAMBackend, name))
    monkeypatch.setattr(models, "get_account_id_from", models.get_account_id_from)
    iam_backend_build.apply()
    partitions = []
    original = models.IAMBackend.__init__

    def counted(self, region, *args, **kwargs):
        partitions.append(region)
        original(self, region, *args, **kwargs)

    monkeypatch.setattr(models.IAMBackend, "__init__", counted)
    with mock_aws():
        yield partitions


def test_a_request_builds_only_its_partition(built):
    iam = boto3.client("iam")
    assert iam.get_policy(PolicyArn=MANAGED)["Policy"]["PolicyName"] == "ReadOnlyAccess"
    assert built == ["aws"]  # moto alone built all six partitions here


def test_an_access_key_names_its_account_and_policies_are_per_account(built):
    iam = boto3.client("iam")
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    other = boto3.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    ).get_caller_identity()
    assert other["Account"] == "123456789012"
    assert models.get_account_id_from(key["AccessKeyId"]) == "123456789012"
    assert models.get_account_id_from("AKIANOBODYSKEY000000") == models.DEFAULT_ACCOUNT_ID

    iam.create_role(RoleName="task", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="task", PolicyArn=MANAGED)
    assert iam.get_policy(PolicyArn=MANAGED)["Policy"]["AttachmentCount"] == 1
    elsewhere = models.iam_backends["111122223333"]["aws"].get_policy(MANAGED)
    assert elsewhere.attachment_count == 0
