"""A deploy whose runner dies, then a re-run: the outcome is the one an uninterrupted run reaches.

The runner (ansible-playbook, its workers and the module they started: every process of its
session) is killed with SIGKILL at a chosen phase, seen in AWS: the green service scaled up, the
canary step recorded on the listener rule, the last step's bake, the rollback. An alarm may be put
in ALARM right after the kill (the dead run could not react to it). The re-run must finish after
the rest of the watch when all is well, and roll back when an alarm fires; never finish while it
fires. Bakes are a few seconds, and every wait here is bounded.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import boto3
import pytest
from test_deploy_playbooks import IMAGE, SERVICE, backend, live  # noqa: F401 (backend: fixture)

from tests.playbooks.conftest import REPO, playbook_env

ALARM = f"{SERVICE}-{{color}}-5xx"
CRASH_VARS = {
    "service": "backend",
    "deploy_strategy": "canary",
    "deploy_canary_percent": 10,
    "deploy_interval": 4,
    "deploy_bake_time": 6,
    "deploy_poll_interval": 1,
    "deploy_lock_ttl": 3,
    "deploy_alarms": ["mobileml-local-{service}-{color}-5xx"],
}
PHASE_TIMEOUT_SECONDS = 120


@pytest.fixture
def alarms(backend):  # noqa: F811 (the fixture imported above)
    cloudwatch = boto3.client("cloudwatch")
    for color in ("blue", "green"):
        cloudwatch.put_metric_alarm(
            AlarmName=ALARM.format(color=color),
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
    return cloudwatch


def fire(cloudwatch, color="green"):
    cloudwatch.set_alarm_state(AlarmName=ALARM.format(color=color), StateValue="ALARM", StateReason="test: 5xx")


def start(aws, image_tag, **extra):
    """ansible-playbook deploy.yml in a session of its own (so that all of it can be killed)."""
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        str(REPO / "playbooks/deploy.yml"),
        "-i",
        str(REPO / "inventories/local"),
        "-v",
        "-e",
        f"aws_endpoint_url={aws.endpoint}",
        "-e",
        json.dumps(dict(CRASH_VARS, image_tag=image_tag, **extra)),
    ]
    return subprocess.Popen(  # noqa: S603 (our own command line)
        command,
        cwd=REPO,
        env=playbook_env(aws.endpoint),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finish(process, timeout=300):
    output, _ = process.communicate(timeout=timeout)
    print(output[-6000:])  # the run's timeline, in the test's log
    return process.returncode, output


def process_tree(root):
    """``root`` and every live descendant (Ansible's workers call setsid: a session is not enough)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def kill_runner(process):
    """Kill the runner: ansible-playbook, its workers and the module they run, all at once.

    Stopped first (SIGSTOP) so that none reacts or forks while the tree is collected, then SIGKILL.
    """
    stopped = set()
    for _attempt in range(20):
        tree = set(process_tree(process.pid)) - stopped
        if not tree:
            break
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= tree
    assert len(stopped) >= 3, "expected ansible-playbook, a worker and the module, found %s" % sorted(stopped)
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.communicate(timeout=30)
    for pid in stopped:  # the module is not our child: wait (bounded) until it is gone
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)


def rule_tags(backend):  # noqa: F811 (the fixture's value)
    descriptions = boto3.client("elbv2").describe_tags(ResourceArns=[backend["rule_arn"]])["TagDescriptions"]
    return {t["Key"]: t["Value"] for d in descriptions for t in d.get("Tags", [])}


def wait_for(what, predicate, process):
    deadline = time.monotonic() + PHASE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise AssertionError("the deploy ended before %s:\n%s" % (what, process.stdout.read()[-4000:]))
        time.sleep(0.2)
    raise AssertionError("no %s within %d s" % (what, PHASE_TIMEOUT_SECONDS))


def at_step(backend, step):  # noqa: F811
    return lambda: rule_tags(backend).get("ecs_blue_green:step") == step


def green_scaled_up():
    ecs = boto3.client("ecs")
    service = ecs.describe_services(cluster="mobileml-local", services=[f"{SERVICE}-green"])["services"][0]
    return service["desiredCount"] > 0


def wait_lock_expired(backend):  # noqa: F811
    """Wait (bounded: the lock's TTL) until the dead run's lock expired."""
    expires = rule_tags(backend).get("ecs_blue_green:lock_expires")
    if expires:
        left = time.mktime(time.strptime(expires, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
        time.sleep(max(0, min(CRASH_VARS["deploy_lock_ttl"] + 1, left + 1.2)))


def resumed_hold(output):
    found = re.search(r'"resume_watch": \{\s*"hold": (\d+)', output)
    return int(found.group(1)) if found else None


PHASES = [
    ("bake", False, "finished"),
    ("bake", True, "rolled_back"),
    ("canary", True, "rolled_back"),
    ("scale_up", False, "finished"),
    ("canary", False, "finished"),
    ("rollback", True, "rolled_back"),
]
# ~30-50 s each: test-playbooks runs the first three, `make test-crashes` all of them.
SUITE_PHASES = PHASES if os.environ.get("CRASH_TESTS") == "all" else PHASES[:3]


@pytest.mark.parametrize(("phase", "alarm", "expected"), SUITE_PHASES)
def test_a_rerun_after_the_runner_died_reaches_the_uninterrupted_outcome(aws, backend, alarms, phase, alarm, expected):  # noqa: F811
    stack_target = backend["target_groups"]["green"]
    boto3.client("elbv2").register_targets(TargetGroupArn=stack_target, Targets=[{"Id": "10.0.1.200", "Port": 8000}])
    first = start(aws, "v2")
    if phase == "scale_up":
        wait_for("green scaled up", green_scaled_up, first)
    elif phase == "canary":
        wait_for("the canary step", at_step(backend, "10"), first)
    elif phase == "bake":
        wait_for("the last step", at_step(backend, "100"), first)
    else:  # rollback: the alarm fires during the canary, the run starts rolling back
        wait_for("the canary step", at_step(backend, "10"), first)
        fire(alarms)
        wait_for("the rollback", lambda: rule_tags(backend).get("ecs_blue_green:step") in ("rollback", None), first)
    kill_runner(first)
    if alarm and phase != "rollback":
        fire(alarms)
    wait_lock_expired(backend)

    returncode, output = finish(start(aws, "v2"))
    color, image, desired, weights = live(backend)
    if expected == "finished":
        assert returncode == 0, output
        assert (color, image, desired, weights) == (
            "green",
            f"{IMAGE}:v2",
            {"blue": 0, "green": 1},
            {"blue": 0, "green": 100},
        )
        if phase in ("canary", "bake"):
            assert '"action": "resume"' in output, output
        if phase == "bake":
            hold = resumed_hold(output)
            # The re-run watched what was left of the 6 s bake: not nothing, not more than the rest.
            assert hold is not None and hold <= CRASH_VARS["deploy_bake_time"], output
    else:
        assert returncode != 0, output
        assert "Rolled back: all traffic is on mobileml-local-backend-blue" in output, output
        assert (color, desired, weights) == ("blue", {"blue": 1, "green": 0}, {"blue": 100, "green": 0})
    leftover = {
        k for k in rule_tags(backend) if k.startswith("ecs_blue_green:") and k != "ecs_blue_green:previous_color"
    }
    assert leftover == set(), "the re-run left its records on the rule: %s" % leftover


def test_a_second_deploy_is_refused_while_the_first_holds_the_lock_and_takes_it_once_expired(aws, backend):  # noqa: F811
    boto3.client("elbv2").register_targets(
        TargetGroupArn=backend["target_groups"]["green"], Targets=[{"Id": "10.0.1.201", "Port": 8000}]
    )
    # A bake long enough for the second run to meet it (the first is killed, never waits it out).
    first = start(aws, "v2", deploy_bake_time=300, deploy_alarms=[])
    wait_for("the last step", at_step(backend, "100"), first)
    owner = rule_tags(backend)["ecs_blue_green:lock_owner"]
    returncode, output = finish(start(aws, "v3", deploy_alarms=[]))
    assert returncode != 0
    assert re.search(
        r"The rollout of mobileml-local-backend is locked by %s until \S+Z \(\d+ s from now\)" % re.escape(owner),
        output,
    ), output
    kill_runner(first)
    wait_lock_expired(backend)
    returncode, output = finish(start(aws, "v2", deploy_alarms=[], deploy_bake_time=1))
    assert returncode == 0, output
    assert "took over the lock of %s" % owner in output, output
    assert live(backend)[:2] == ("green", f"{IMAGE}:v2")
