"""Figures for ecs_blue_green on the offline AWS: API calls, wall time, and the module's own overhead.

    .venv/bin/python benchmarks/deploy/run.py [--runs 5] [--steps 10]     (make bench-deploy)

Each run starts from a fresh blue/green service (benchmarks/deploy/stack.py) and runs the module's
main() in-process, so its calls can be counted and timed: every botocore API call (waiters and
paginators included) goes through BaseClient._make_api_call, which is wrapped here. Scenarios:
an all-at-once deploy with zero bake, a no-op re-run, and a linear deploy of --steps steps with
zero interval; the per-step figures are the linear deploy minus the all-at-once one, divided by
the extra steps. "clients" is the time spent making boto3 clients (loading service models); "own"
is the module's own overhead, wall time minus clients minus the time inside API calls (moto answers
on loopback, so the API time here is the offline AWS's, not real AWS's). One more figure is the
same deploy as an Ansible task (ansible ad-hoc), which adds Ansible's process start and module
packaging. The rollout's records in AWS are counted apart: "progress" (AddTags/RemoveTags of the
step being watched) and "lock" (AddTags to take and renew it, the DescribeTags that checks it,
RemoveTags to release it): the calls and API seconds they add to each deploy. Medians of --runs
runs; figures, not assertions.
"""

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / ".build" / "collections")]

import botocore.client  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule  # noqa: E402

from benchmarks.deploy import stack  # noqa: E402
from offline_aws import server  # noqa: E402

CLUSTER = "bench"
SERVICE = "bench-backend"
MUTATING = ("Update", "Modify", "Register", "Add", "Put", "Deregister", "Create", "Delete")
PROGRESS_KEY = "ecs_blue_green:step"
LOCK_KEY = "ecs_blue_green:lock_"


def record_kind(operation_name, api_params, describe_tags_before):
    """"progress", "lock" or None: which of the rollout's records in AWS a call is for."""
    if operation_name in ("AddTags", "RemoveTags"):
        keys = [t["Key"] for t in api_params.get("Tags", [])] + list(api_params.get("TagKeys", []))
        if any(k.startswith(LOCK_KEY) for k in keys):
            return "lock"
        if any(k.startswith(PROGRESS_KEY) for k in keys):
            return "progress"
    if operation_name == "DescribeTags" and describe_tags_before >= 1:
        return "lock"  # the first reads the rule's tags (previous colour); the next checks the lock
    return None


class CallRecorder:
    """Counts and times every botocore API call made in this process, and the making of clients."""

    def __init__(self):
        self.calls = Counter()
        self.records = Counter()  # calls per record kind
        self.record_seconds = Counter()
        self.seconds = 0.0
        self.client_seconds = 0.0
        self._original = botocore.client.BaseClient._make_api_call
        self._original_client = AnsibleAWSModule.client

    def __enter__(self):
        recorder = self

        def timed_client(module, *args, **kwargs):
            started = time.perf_counter()
            try:
                return recorder._original_client(module, *args, **kwargs)
            finally:
                recorder.client_seconds += time.perf_counter() - started

        def timed(client, operation_name, api_params):
            started = time.perf_counter()
            kind = record_kind(operation_name, api_params, recorder.calls["DescribeTags"])
            try:
                return recorder._original(client, operation_name, api_params)
            finally:
                spent = time.perf_counter() - started
                recorder.seconds += spent
                recorder.calls[operation_name] += 1
                if kind:
                    recorder.records[kind] += 1
                    recorder.record_seconds[kind] += spent

        botocore.client.BaseClient._make_api_call = timed
        AnsibleAWSModule.client = timed_client
        return self

    def __exit__(self, *exc):
        botocore.client.BaseClient._make_api_call = self._original
        AnsibleAWSModule.client = self._original_client


def run_module(args):
    from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green

    args = dict(args, region="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    out = io.StringIO()
    with CallRecorder() as recorder, patch_module_args(args), contextlib.redirect_stdout(out):
        started = time.perf_counter()
        with contextlib.suppress(SystemExit):
            ecs_blue_green.main()
        wall = time.perf_counter() - started
    result = json.loads(out.getvalue())
    if result.get("failed"):
        raise RuntimeError(result["msg"])
    return {
        "wall": wall,
        "api_seconds": recorder.seconds,
        "client_seconds": recorder.client_seconds,
        "calls": recorder.calls,
        "records": recorder.records,
        "record_seconds": recorder.record_seconds,
        "result": result,
    }


def fresh_service(running):
    running.reset()
    created = stack.create(SERVICE, CLUSTER, desired_count=2)
    stack.register_targets(created["target_groups"]["green"], 2)
    return created


def deploy_args(**extra):
    return dict(cluster=CLUSTER, service=SERVICE, image={"app": "registry.local/app:2"}, poll_interval=1, **extra)


def measure(running, runs, steps):
    figures = {"all_at_once": [], "noop": [], "linear": []}
    for _ in range(runs):
        fresh_service(running)
        figures["all_at_once"].append(run_module(deploy_args(strategy="all_at_once", bake_time=0)))
        figures["noop"].append(run_module(deploy_args(strategy="all_at_once", bake_time=0)))
        fresh_service(running)
        figures["linear"].append(
            run_module(deploy_args(strategy="linear", step_percent=100 // steps, interval=0, bake_time=0))
        )
    return figures


def ansible_task_seconds(running, runs):
    """The same all-at-once deploy as an Ansible task: ansible's start + AnsiballZ + the module."""
    times = []
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    args = json.dumps(deploy_args(strategy="all_at_once", bake_time=0, region="us-east-1"))
    for _ in range(runs):
        fresh_service(running)
        started = time.perf_counter()
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible"),
                "localhost",
                "-i",
                str(REPO / "inventories" / "local"),
                "-m",
                "mlops.aws_deploy.ecs_blue_green",
                "-a",
                args,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(done.stdout[-3000:] + done.stderr[-3000:])
    return statistics.median(times)


def median(samples, key):
    return statistics.median(key(s) for s in samples)


def report(figures, steps, ansible_seconds, runs):
    def calls(s):
        return sum(s["calls"].values())

    def mutating(s):
        return sum(n for op, n in s["calls"].items() if op.startswith(MUTATING))

    def wall(s):
        return s["wall"]

    def api(s):
        return s["api_seconds"]

    def clients(s):
        return s["client_seconds"]

    def own(s):
        return s["wall"] - s["api_seconds"] - s["client_seconds"]

    print(f"ecs_blue_green on the offline AWS (moto), medians of {runs} runs, 2 tasks per colour")
    print(f"{'scenario':<38}{'wall s':>8}{'clients s':>10}{'API s':>8}{'own s':>8}{'calls':>7}{'mutating':>10}")
    for name, label in (
        ("all_at_once", "all-at-once deploy, bake 0"),
        ("noop", "no-op re-run"),
        ("linear", f"linear deploy, {steps} steps, interval 0"),
    ):
        samples = figures[name]
        print(
            f"{label:<38}{median(samples, wall):>8.3f}{median(samples, clients):>10.3f}{median(samples, api):>8.3f}"
            f"{median(samples, own):>8.3f}"
            f"{median(samples, calls):>7.0f}{median(samples, mutating):>10.0f}"
        )
    extra = steps - 1
    per_step_wall = (
        median(figures["linear"], lambda s: s["wall"]) - median(figures["all_at_once"], lambda s: s["wall"])
    ) / extra
    per_step_own = (median(figures["linear"], own) - median(figures["all_at_once"], own)) / extra
    per_step_calls = (median(figures["linear"], calls) - median(figures["all_at_once"], calls)) / extra
    print(
        f"per extra step: {per_step_wall * 1000:.1f} ms wall, {per_step_own * 1000:.1f} ms of the module's own,"
        f" {per_step_calls:.1f} API calls (ModifyRule + the step's health/alarm checks)"
    )
    for name, label in (("all_at_once", "all-at-once deploy"), ("linear", f"linear deploy, {steps} steps")):
        samples = figures[name]
        parts = []
        for kind in ("progress", "lock"):
            n = median(samples, lambda s, k=kind: s["records"][k])
            ms = median(samples, lambda s, k=kind: s["record_seconds"][k]) * 1000
            parts.append(f"{kind} {n:.0f} calls {ms:.1f} ms")
        total_calls = median(samples, lambda s: sum(s["records"].values()))
        total_ms = median(samples, lambda s: sum(s["record_seconds"].values())) * 1000
        share = 100.0 * median(samples, lambda s: sum(s["record_seconds"].values()) / s["wall"])
        print(
            f"progress records + lock, {label}: +{total_calls:.0f} API calls, +{total_ms:.1f} ms"
            f" ({share:.1f}% of the wall time; {', '.join(parts)})"
        )
    print("API calls of one all-at-once deploy:")
    for op, n in sorted(figures["all_at_once"][0]["calls"].items()):
        print(f"  {op:<28}{n:>3}")
    if ansible_seconds is not None:
        print(f"the same deploy as an Ansible task (ansible ad-hoc, process start included): {ansible_seconds:.2f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="steps of the linear deploy (100 / step_percent)")
    parser.add_argument("--no-ansible", action="store_true", help="skip the Ansible-task figure")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as state:
        running = server.start(state_dir=state)
        try:
            os.environ.update(running.environment())
            figures = measure(running, args.runs, args.steps)
            ansible_seconds = None if args.no_ansible else ansible_task_seconds(running, max(1, args.runs // 2))
        finally:
            server.stop(server=running)
    report(figures, args.steps, ansible_seconds, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
