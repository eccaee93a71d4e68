"""Rollouts meet real traffic: deploy.yml on the live local stack under a steady load.

The offline AWS runs the stack like AWS (offline_aws/live): the ECS agent starts the new colour's
tasks as containers, HAProxy routes /api/* by the listener rule's weights and health-checks the
targets, its per-target-group counts reach CloudWatch, which evaluates the alarms. A load of real
predictions (tests/e2e/load.py, about 100 requests/s on these 2 cores) runs through the public
listener for each scenario. The tests assert the behaviour; the figures (requests per phase, seconds
to roll back, wall time) are printed (`make bench-deploy-live` shows them).

Images: the commit's backend image under new tags, rebuilt FROM it in a second (no layer changes):
- ``e2e-good``: the same service (a label differs);
- ``e2e-exits``: exits at start (the circuit breaker's case);
- ``e2e-bad``: healthy on /health, every prediction fails (it calls an ML address nobody serves).
A model promotion (train_and_register.yml trains and promotes the next version) runs under the same
load: the ML tasks hot-reload it and the answers' model_version switches.
"""

import importlib.util
import json
import os
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import boto3
import pytest

from tests.e2e.load import Load
from tests.e2e.stack import REPO

PREFIX = "mobileml-local"
RATE = 100
FEATURES = [17.99, 10.38, 122.8, 1001.0, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589,
            153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019.0, 0.1622,
            0.6656, 0.7119, 0.2654, 0.4601, 0.1189]  # fmt: skip
VARIANTS = {
    "e2e-good": 'LABEL mlops.e2e.variant="good"',
    "e2e-exits": 'CMD ["sh", "-c", "echo this image refuses to start >&2; exit 3"]',
    "e2e-bad": 'CMD ["sh", "-c", "ML_SERVICE_URL=http://127.0.0.1:9/ml exec serve"]',
}


def engine_env():
    listed = subprocess.run(["scripts/images/env.sh"], cwd=REPO, capture_output=True, text=True, check=True)
    return dict(os.environ, **dict(line.removeprefix("export ").split("=", 1) for line in listed.stdout.splitlines()))


@pytest.fixture(scope="module")
def live(stack, tmp_path_factory):
    """The stack's AWS variables, clients, the public listener's URL, the API key; the variant images."""
    _, env = stack
    balancers = json.loads((Path(env["OFFLINE_AWS_LIVE_STATE"]) / "load_balancers.json").read_text())
    url = balancers["load_balancers"][PREFIX]["listeners"]["80"]
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")

    def client(name):
        return session.client(name, endpoint_url=env["AWS_ENDPOINT_URL"])

    spec = importlib.util.spec_from_file_location("show_prediction", REPO / "scripts" / "show_prediction.py")
    show_prediction = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(show_prediction)
    with mock.patch.dict(os.environ, env):
        key, _ = show_prediction.api_key(PREFIX)
    tag = subprocess.run(["scripts/images/source_tag.sh"], cwd=REPO, capture_output=True, text=True, check=True)
    base = f"127.0.0.1:5000/{PREFIX}/backend-api:{tag.stdout.strip()}"
    build = tmp_path_factory.mktemp("variants")
    for variant, line in VARIANTS.items():
        (build / "Containerfile").write_text(f"FROM {base}\n{line}\n")
        image = f"127.0.0.1:5000/{PREFIX}/backend-api:{variant}"
        # FROM pulls the commit's image from the registry when this machine did not build that tag.
        for argv in (["podman", "build", "--quiet", "--tls-verify=false", "-t", image, str(build)],
                     ["podman", "push", "--quiet", "--tls-verify=false", image]):  # fmt: skip
            done = subprocess.run(argv, env=engine_env(), capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr[-2000:]}"
    return {"env": env, "client": client, "url": url, "key": key}


def playbook(live, name, *extra):
    """ansible-playbook playbooks/<name>.yml -i inventories/local; the finished process, its start and end."""
    env = dict(os.environ, **live["env"], ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    argv = [str(REPO / ".venv/bin/ansible-playbook"), f"playbooks/{name}.yml", "-i", "inventories/local", *extra]
    began = time.time()
    run = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    run.began, run.ended = began, time.time()
    return run


def deploy(live, image_tag, *extra):
    """deploy.yml of the backend to image_tag; the finished process (not asserted here)."""
    return playbook(live, "deploy", "-e", "service=backend", "-e", f"image_tag={image_tag}", *extra)


class RuleWatch:
    """Polls the /api/* rule's weights (0.5 s, bounded by the test): when each weight set began."""

    def __init__(self, elbv2):
        self.elbv2 = elbv2
        self.changes = []  # (wall time, {target group name: weight})
        self._stop = threading.Event()

    def _rule(self):
        balancer = self.elbv2.describe_load_balancers(Names=[PREFIX])["LoadBalancers"][0]
        for listener in self.elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            for rule in self.elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
                paths = [v for c in rule.get("Conditions", []) for v in c.get("Values", []) + c.get(
                    "PathPatternConfig", {}).get("Values", [])]  # fmt: skip
                if "/api/*" in paths:
                    return rule
        raise AssertionError("no /api/* rule")

    def weights(self):
        groups = self._rule()["Actions"][0]["ForwardConfig"]["TargetGroups"]
        return {g["TargetGroupArn"].split(":")[-1].split("/")[1]: g.get("Weight", 0) for g in groups}

    def _run(self, max_seconds):
        deadline = time.monotonic() + max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            weights = self.weights()
            if not self.changes or self.changes[-1][1] != weights:
                self.changes.append((time.time(), weights))
            self._stop.wait(0.5)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, args=(900,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def request_counts(cloudwatch, balancer_dimension, groups, start, end):
    """RequestCount per target group (name -> sum) between start and end, from the offline CloudWatch."""
    counts = {}
    for name, dimension in groups.items():
        stats = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName="RequestCount", Statistics=["Sum"], Period=1,
            StartTime=datetime.fromtimestamp(start, UTC), EndTime=datetime.fromtimestamp(end, UTC),
            Dimensions=[{"Name": "LoadBalancer", "Value": balancer_dimension},
                        {"Name": "TargetGroup", "Value": dimension}],
        )  # fmt: skip
        counts[name] = sum(p["Sum"] for p in stats["Datapoints"])
    return counts


def dimensions(elbv2):
    balancer = elbv2.describe_load_balancers(Names=[PREFIX])["LoadBalancers"][0]["LoadBalancerArn"]
    groups = elbv2.describe_target_groups(Names=[f"{PREFIX}-backend-blue", f"{PREFIX}-backend-green"])
    return balancer.split(":loadbalancer/")[1], {
        g["TargetGroupName"]: g["TargetGroupArn"].split(":")[-1] for g in groups["TargetGroups"]
    }


def running(ecs, colour):
    service = ecs.describe_services(cluster=PREFIX, services=[f"{PREFIX}-backend-{colour}"])["services"][0]
    return service["runningCount"]


def wait_for(probe, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(1)
    raise AssertionError(f"{what} not within {timeout}s")


def report(name, **figures):
    print(f"\n=== {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def test_a_canary_deploy_under_load_fails_no_request_and_splits_by_the_weight(live):
    elbv2, ecs, cloudwatch = live["client"]("elbv2"), live["client"]("ecs"), live["client"]("cloudwatch")
    watch = RuleWatch(elbv2)
    before = watch.weights()
    old = max(before, key=before.get).rsplit("-", 1)[1]
    with Load(live["url"], live["key"], FEATURES, rate=RATE) as load, watch:
        time.sleep(3)  # the load is steady before the deploy starts
        run = deploy(live, "e2e-good", "-e", "deploy_strategy=canary", "-e", "deploy_canary_percent=20",
                     "-e", "deploy_interval=20", "-e", "deploy_bake_time=5")  # fmt: skip
        time.sleep(2)
    assert run.returncode == 0, run.stdout[-6000:]
    during = load.between(run.began, run.ended)
    assert len(during) > RATE * 10
    assert Load.failed(during) == [], load.summary(during)
    canary = [(at, w) for at, w in watch.changes if min(w.values()) > 0 and sorted(w.values()) == [20, 80]]
    assert canary, watch.changes
    start = canary[0][0]
    end = next(at for at, _ in watch.changes if at > start)
    balancer, groups = dimensions(elbv2)
    time.sleep(3)  # the last second's counts reach CloudWatch
    counts = request_counts(cloudwatch, balancer, groups, start + 2, end - 1)
    new_name = f"{PREFIX}-backend-{'green' if old == 'blue' else 'blue'}"
    share = 100 * counts[new_name] / max(1, sum(counts.values()))
    report("canary deploy", requests=len(during), failed=0, resent=load.resent, canary_share=f"{share:.1f}%",
           canary_requests=int(sum(counts.values())), wall_seconds=round(run.ended - run.began, 1))  # fmt: skip
    assert abs(share - 20) <= 5, counts
    wait_for(lambda: running(ecs, old) == 0, f"the old colour ({old}) stopped")


def test_an_image_that_exits_at_start_fails_the_deploy_and_traffic_never_moves(live):
    elbv2 = live["client"]("elbv2")
    watch = RuleWatch(elbv2)
    before = watch.weights()
    with Load(live["url"], live["key"], FEATURES, rate=RATE) as load, watch:
        run = deploy(live, "e2e-exits")
    assert run.returncode != 0
    assert "circuit breaker" in run.stdout, run.stdout[-6000:]
    assert "Essential container in task exited" in run.stdout
    assert [w for _, w in watch.changes] == [before]
    during = load.between(run.began, run.ended)
    report("exits at start", requests=len(during), failed=len(Load.failed(during)), resent=load.resent,
           wall_seconds=round(run.ended - run.began, 1))  # fmt: skip
    assert Load.failed(during) == [], load.summary(during)


def test_a_model_promotion_under_load_fails_no_request_and_switches_the_version(live):
    """train_and_register.yml trains the next version and promotes it (inventories/local promotes a
    fresh training that passes the gates); the ML tasks hot-reload it from their pointer."""
    ssm = live["client"]("ssm")

    def pointer():
        return json.loads(ssm.get_parameter(Name="/mobileml/local/model-version")["Parameter"]["Value"])

    def promoted():
        return pointer()["version"]

    before = promoted()
    with Load(live["url"], live["key"], FEATURES, rate=RATE) as load:
        time.sleep(2)
        run = playbook(live, "train_and_register")
        after = promoted()
        deadline = time.monotonic() + 90  # the ML service polls its pointer every 30 s
        while time.monotonic() < deadline and not any(a.model_version == str(after) for a in load.answers[-50:]):
            time.sleep(1)
        time.sleep(3)
    assert run.returncode == 0, run.stdout[-6000:]
    assert str(after) != str(before)
    served = [a.model_version for a in load.answers if a.status == 200]
    switched = next((a.at for a in load.answers if a.model_version == str(after)), None)
    promoted_at = datetime.fromisoformat(pointer()["promoted_at"].replace("Z", "+00:00")).timestamp()
    report("model promotion", requests=len(load.answers), failed=len(Load.failed(load.answers)), resent=load.resent,
           versions=f"{before} -> {after}",
           seconds_from_promotion_to_new_answers=round(switched - promoted_at, 1) if switched else None)  # fmt: skip
    assert served[0] == str(before) and served[-1] == str(after)
    assert Load.failed(load.answers) == [], load.summary()


def test_a_bad_image_fires_the_5xx_alarm_and_rolls_back_by_itself(live):
    from offline_aws.extensions import cloudwatch_alarm_evaluation

    elbv2 = live["client"]("elbv2")
    watch = RuleWatch(elbv2)
    before = watch.weights()
    live_colour = max(before, key=before.get)
    # 60 s periods last 10 s here: the 5xx alarm (3 periods of 10 or more) can fire within 30 s.
    cloudwatch_alarm_evaluation.configure(live["env"]["AWS_ENDPOINT_URL"], speedup=6, interval=1)
    try:
        with Load(live["url"], live["key"], FEATURES, rate=RATE) as load, watch:
            run = deploy(live, "e2e-bad", "-e", "deploy_strategy=canary", "-e", "deploy_canary_percent=20",
                         "-e", "deploy_interval=90", "-e", "deploy_bake_time=0",
                         "-e", json.dumps({"deploy_alarms": ["mobileml-local-{service}-{color}-5xx"]}))  # fmt: skip
            time.sleep(2)
    finally:
        cloudwatch_alarm_evaluation.configure(live["env"]["AWS_ENDPOINT_URL"])
    assert run.returncode != 0
    assert "-5xx" in run.stdout and "ALARM" in run.stdout, run.stdout[-6000:]
    cut_over = next(at for at, w in watch.changes if w != before)
    rolled_back = next(at for at, w in watch.changes if at > cut_over and w == before)
    assert watch.changes[-1][1] == before  # all traffic back on the colour that served
    failed = Load.failed(load.between(run.began, run.ended))
    report("bad image", requests=len(load.between(run.began, run.ended)), failed=len(failed),
           seconds_from_cut_over_to_rollback=round(rolled_back - cut_over, 1), live_colour=live_colour)  # fmt: skip
    after = load.between(rolled_back + 2, run.ended)
    assert Load.failed(after) == [], load.summary(after)
