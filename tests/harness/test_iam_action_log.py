"""offline_aws/extensions/iam_action_log.py and benchmarks/iam/report.py: actions used vs granted."""

import io
import json

import boto3

from benchmarks.iam import report
from offline_aws import server

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "ssm:*"], "Resource": "*"}]}


def test_each_request_is_logged_with_its_action_and_the_report_compares_it_with_the_grants(tmp_path, monkeypatch):
    log = tmp_path / "actions.jsonl"
    monkeypatch.setenv("OFFLINE_AWS_ACTION_LOG", str(log))
    running = server.start(state_dir=tmp_path / "server")
    try:
        for key, value in running.environment().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        boto3.client("cloudwatch").describe_alarms()
        boto3.client("s3").create_bucket(Bucket="logged-bucket")
        boto3.client("iam").create_user(UserName="reader")
        boto3.client("iam").put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=json.dumps(POLICY))
    finally:
        server.stop(server=running)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [entry["action"] for entry in entries] == [
        "cloudwatch:DescribeAlarms",
        "s3:CreateBucket",
        "iam:CreateUser",
        "iam:PutUserPolicy",
    ]
    assert entries[-1]["granted_to"] == "reader"

    calls, grants = report.read([log])
    assert grants["reader"] == {"s3:Get*", "ssm:*"}
    operator = "operator (testing key, IAM not enforced)"
    assert sum(calls[operator].values()) == 4
    out = io.StringIO()
    report.report({"reader": {"s3:GetObject": 2}}, grants, out=out)
    assert "reader: 2 API calls, 1 distinct actions" in out.getvalue()
    assert "unused      ssm:*" in out.getvalue()
