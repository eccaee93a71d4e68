"""Figures: the cost of the harness's reset between two tests, moto's own against the offline AWS's.

One cycle = the reset, then one call each to the services a playbook test uses (IAM, EC2, ELBv2,
ECS, S3, SageMaker, KMS, SSM), with the AWS managed policies loaded as the server loads them. In one
process: first with moto's reset and IAM backends (the baseline), then with
extensions/moto_api_reset.py and extensions/iam_backend_build.py applied. Medians of --runs cycles.

    make bench-reset   (or: PYTHONPATH=. .venv/bin/python benchmarks/reset/run.py [--runs 5])
"""

import argparse
import os
import statistics
import time

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
    os.environ[name] = value
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core.base_backend import BackendDict  # noqa: E402

from offline_aws.extensions import iam_backend_build, moto_api_reset  # noqa: E402

REGION = "us-east-1"


def use(clients):
    clients["iam"].list_roles()
    clients["ec2"].describe_vpcs()
    clients["elbv2"].describe_load_balancers()
    clients["ecs"].list_clusters()
    clients["s3"].list_buckets()
    clients["sagemaker"].list_models()
    clients["kms"].list_keys()
    clients["ssm"].describe_parameters()


def cycles(clients, runs):
    use(clients)
    reset, first_calls = [], []
    for _ in range(runs):
        started = time.perf_counter()
        BackendDict.reset()
        reset.append(time.perf_counter() - started)
        started = time.perf_counter()
        use(clients)
        first_calls.append(time.perf_counter() - started)
    return statistics.median(reset), statistics.median(first_calls)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with mock_aws():
        names = ("iam", "ec2", "elbv2", "ecs", "s3", "sagemaker", "kms", "ssm")
        clients = {name: boto3.client(name, region_name=REGION) for name in names}
        baseline = cycles(clients, args.runs)
        moto_api_reset.apply()
        iam_backend_build.apply()
        ours = cycles(clients, args.runs)
    print(f"=== reset between tests, median of {args.runs} (seconds)")
    print(f"{'':28} {'reset':>7} {'first calls':>12} {'total':>7}")
    for label, (reset, first) in (("moto's (baseline)", baseline), ("offline AWS's", ours)):
        print(f"{label:28} {reset:7.3f} {first:12.3f} {reset + first:7.3f}")
    print(f"ratio (baseline / ours): {sum(baseline) / sum(ours):.1f}x")


if __name__ == "__main__":
    main()
