"""The offline AWS harness: start, reset, reuse and stop."""

import boto3

from offline_aws import extensions, server


def test_server_answers_with_the_fixed_account(aws):
    sts = boto3.client("sts")
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_reset_clears_state(aws):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="before-reset")
    aws.reset()
    assert s3.list_buckets()["Buckets"] == []


def test_managed_policies_are_loaded(aws):
    iam = boto3.client("iam")
    arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PolicyName"] == "AmazonECSTaskExecutionRolePolicy"


def test_start_records_state_and_stop_removes_it(tmp_path):
    running = server.start(state_dir=tmp_path)
    try:
        assert server.load(tmp_path).endpoint == running.endpoint
        assert "AWS_ENDPOINT_URL=" in (tmp_path / "env.sh").read_text()
    finally:
        assert server.stop(state_dir=tmp_path)
    assert server.load(tmp_path) is None
    assert not server._alive(running.pid)


def test_every_extension_has_an_apply_function():
    for name in extensions.extension_names():
        module = __import__(f"offline_aws.extensions.{name}", fromlist=["apply"])
        assert callable(module.apply), name


def test_stop_never_signals_a_process_that_reused_the_recorded_pid(tmp_path):
    import json
    import subprocess
    import sys

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "server.json").write_text(json.dumps({"endpoint": "http://127.0.0.1:1", "pid": other.pid}))
        server.stop(state_dir=tmp_path)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()
