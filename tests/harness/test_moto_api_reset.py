"""The reset drops every backend without rebuilding it (extensions/moto_api_reset.py), and still
leaves nothing behind: the state of every service we use is gone, S3's object files are closed,
the AWS managed policies are there again on the next IAM call."""

import boto3
import pytest
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.iam.models import IAMBackend
from moto.s3.models import FakeKey

from offline_aws.extensions import moto_api_reset

REGION = "us-east-1"
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


@pytest.fixture
def moto_in_process(monkeypatch):
    """moto in this process with the managed policies (as the server has them) and the extension."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.setattr(BackendDict, "reset", BackendDict.reset)  # undone after the test
    moto_api_reset.apply()
    with mock_aws():
        yield


def test_the_reset_builds_no_backend(moto_in_process, monkeypatch):
    boto3.client("iam").list_roles()
    boto3.client("iam", region_name="us-west-2").list_roles()
    built = []
    original = IAMBackend.__init__
    monkeypatch.setattr(IAMBackend, "__init__", lambda self, *a, **k: built.append(a) or original(self, *a, **k))
    BackendDict.reset()
    assert built == []  # moto's own reset rebuilt each partition's IAM backend here
    assert boto3.client("iam").get_policy(PolicyArn=MANAGED)["Policy"]["PolicyName"]
    assert built  # built on first use


def test_the_reset_leaves_no_state_and_closes_the_object_files(moto_in_process, monkeypatch):
    iam, s3, ec2 = boto3.client("iam"), boto3.client("s3"), boto3.client("ec2", region_name=REGION)
    ecs, ssm = boto3.client("ecs", region_name=REGION), boto3.client("ssm", region_name=REGION)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    s3.create_bucket(Bucket="bucket-a")
    s3.put_object(Bucket="bucket-a", Key="k", Body=b"x" * 10)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ecs.create_cluster(clusterName="c")
    ssm.put_parameter(Name="/p", Value="v", Type="String")
    disposed = []
    original = FakeKey.dispose
    monkeypatch.setattr(FakeKey, "dispose", lambda self, *a, **k: disposed.append(self.name) or original(self, *a, **k))

    BackendDict.reset()

    assert "k" in disposed
    assert iam.list_roles()["Roles"] == []
    assert s3.list_buckets()["Buckets"] == []
    assert vpc not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert ecs.list_clusters()["clusterArns"] == []
    assert ssm.describe_parameters()["Parameters"] == []
    s3.create_bucket(Bucket="bucket-a")  # its name is free again
