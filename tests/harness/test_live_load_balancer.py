"""The live load balancer routes real requests as the ALB's listeners and rules say, checks target
health as ALB does, reloads without refusing requests and sends its metrics to CloudWatch.

Targets are small HTTP servers in threads on 127.0.3.N; every wait is a bounded poll.
"""

import http.server
import itertools
import threading
import time
import urllib.error
import urllib.request

import boto3
import pytest

from offline_aws.extensions import cloudwatch_alarm_evaluation as evaluation
from offline_aws.live import runtime

ADDRESSES = itertools.count(1)


class Target:
    """A loopback HTTP server answering ``name``; ``health`` is its health path's status."""

    def __init__(self, name, health=200, delay=0.0):
        self.name, self.health, self.delay, self.hits = name, health, delay, 0
        self.ip = f"127.0.3.{next(ADDRESSES)}"
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/health":
                    status = target.health
                else:
                    target.hits += 1
                    time.sleep(target.delay)
                    status = 500 if self.path.startswith("/fail") else 200
                body = target.name.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((self.ip, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def get(url, headers=None):
    """(status, body, location) of one request on a new connection; redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode(), response.headers.get("Location")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Location")


def wait_until(check, seconds=15):
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds * 10)):
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)
    return check()


@pytest.fixture
def alb(aws, tmp_path):
    ec2, elbv2 = boto3.client("ec2"), boto3.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    lb = elbv2.create_load_balancer(Name="web", Subnets=subnets)["LoadBalancers"][0]
    targets = []

    class Alb:
        client = elbv2
        arn = lb["LoadBalancerArn"]
        dimension = lb["LoadBalancerArn"].split(":loadbalancer/")[-1]

        def group(self, name, *servers, **health):
            settings = dict(HealthCheckPath="/health", HealthCheckIntervalSeconds=5, HealthyThresholdCount=2)
            settings.update(health)
            arn = elbv2.create_target_group(
                Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip", **settings
            )["TargetGroups"][0]["TargetGroupArn"]
            elbv2.modify_target_group_attributes(
                TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}]
            )
            self.register(arn, *servers)
            return arn

        def register(self, arn, *servers):
            targets.extend(servers)
            if servers:
                elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": s.ip, "Port": s.port} for s in servers])

        def listener(self, default):
            return elbv2.create_listener(LoadBalancerArn=self.arn, Protocol="HTTP", Port=80, DefaultActions=[default])[
                "Listeners"
            ][0]["ListenerArn"]

        def start(self):
            runtime.configure(aws.endpoint, state_dir=str(tmp_path), components=["elb"], interval=0.5)
            found = wait_until(
                lambda: runtime.report(aws.endpoint)["elb"]["load_balancers"].get("web", {}).get("listeners")
            )
            assert found, runtime.report(aws.endpoint)
            self.url = found["80"]
            return self.url

        def health(self, arn):
            found = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            return {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in found}

    yield Alb()
    runtime.configure(aws.endpoint)
    evaluation.configure(aws.endpoint)
    for server in targets:
        server.close()


def forward(arn):
    return {"Type": "forward", "TargetGroupArn": arn}


def all_healthy(alb, arn):
    return wait_until(lambda: all(state == "healthy" for state, _ in alb.health(arn).values()) and alb.health(arn))


def test_rules_by_priority_then_the_default_fixed_response_and_redirect(alb):
    api, web = Target("api"), Target("web")
    api_group, web_group = alb.group("api", api), alb.group("site", web)
    listener = alb.listener(forward(web_group))
    rules = [
        (10, [{"Field": "path-pattern", "Values": ["/api/*"]}], forward(api_group)),
        (
            5,
            [{"Field": "path-pattern", "Values": ["/api/fixe?"]}],
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "418", "ContentType": "text/plain", "MessageBody": "it's fixed"},
            },
        ),
        (
            20,
            [{"Field": "path-pattern", "Values": ["/old/*"]}],
            {
                "Type": "redirect",
                "RedirectConfig": {"Host": "example.com", "Path": "/new/#{path}", "StatusCode": "HTTP_301"},
            },
        ),
        (30, [{"Field": "host-header", "Values": ["api.*"]}], forward(api_group)),
        (
            40,
            [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Colour", "Values": ["gre?n"]}}],
            forward(api_group),
        ),
    ]
    for priority, conditions, action in rules:
        alb.client.create_rule(ListenerArn=listener, Priority=priority, Conditions=conditions, Actions=[action])
    url = alb.start()
    assert all_healthy(alb, api_group) and all_healthy(alb, web_group)

    assert get(url + "/api/predict")[:2] == (200, "api")
    assert get(url + "/API/predict")[:2] == (200, "web")  # path patterns are case-sensitive
    assert get(url + "/other")[:2] == (200, "web")
    assert get(url + "/api/fixed")[:2] == (418, "it's fixed")
    status, _, location = get(url + "/old/page?a=1")
    assert (status, location) == (301, "http://example.com/new/old/page?a=1")
    assert get(url + "/x", {"Host": "api.example.com"})[:2] == (200, "api")
    assert get(url + "/x", {"X-Colour": "GREEN"})[:2] == (200, "api")


def test_a_weighted_forward_splits_requests_by_weight(alb):
    blue, green, idle = Target("blue"), Target("green"), Target("idle")
    groups = [alb.group(name, server) for name, server in (("blue", blue), ("green", green), ("idle", idle))]
    listener = alb.listener({"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}})
    weights = [
        {"TargetGroupArn": groups[0], "Weight": 90},
        {"TargetGroupArn": groups[1], "Weight": 10},
        {"TargetGroupArn": groups[2], "Weight": 0},
    ]
    alb.client.create_rule(
        ListenerArn=listener,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": weights}}],
    )
    url = alb.start()
    assert all(all_healthy(alb, arn) for arn in groups)
    answers = [get(url + "/")[1] for _ in range(1000)]
    assert answers.count("idle") == 0
    assert 85 <= answers.count("blue") / 10 <= 95, answers.count("blue")
    assert answers.count("blue") + answers.count("green") == 1000


def test_health_checks_initial_unhealthy_and_fail_open(alb):
    first = Target("first")
    group = alb.group("api", first, HealthCheckIntervalSeconds=5, HealthyThresholdCount=2, UnhealthyThresholdCount=2)
    alb.listener(forward(group))
    url = alb.start()
    assert alb.health(group)[first.ip] == ("initial", "Elb.RegistrationInProgress")
    assert all_healthy(alb, group)
    late, sick = Target("late"), Target("sick", health=500)
    alb.register(group, late, sick)
    time.sleep(1)
    assert alb.health(group)[late.ip][0] == "initial"
    answers = {get(url + "/")[1] for _ in range(30)}
    assert answers == {"first"}  # initial and unhealthy targets get no new requests
    assert wait_until(lambda: alb.health(group)[sick.ip] == ("unhealthy", "Target.ResponseCodeMismatch"))
    description = alb.client.describe_target_health(TargetGroupArn=group, Targets=[{"Id": sick.ip, "Port": sick.port}])
    assert (
        description["TargetHealthDescriptions"][0]["TargetHealth"]["Description"]
        == "Health checks failed with these codes: [500]"
    )
    assert wait_until(lambda: alb.health(group)[late.ip][0] == "healthy", seconds=20)
    assert sick.name not in {get(url + "/")[1] for _ in range(30)}

    first.health = late.health = 500  # none healthy: ALB routes to all of them
    assert wait_until(lambda: all(s == "unhealthy" for s, _ in alb.health(group).values()), seconds=20)
    time.sleep(1)
    assert {get(url + "/")[1] for _ in range(60)} == {"first", "late", "sick"}


def test_deregistration_drains_then_the_target_is_gone(alb):
    slow, other = Target("slow", delay=2.0), Target("other")
    group = alb.group("api", slow, other)
    alb.listener(forward(group))
    url = alb.start()
    assert all_healthy(alb, group)
    answers = []
    for _ in range(2):  # round robin: one of two requests goes to the slow target
        thread = threading.Thread(target=lambda: answers.append(get(url + "/")))
        thread.start()
        time.sleep(0.2)
    alb.client.deregister_targets(TargetGroupArn=group, Targets=[{"Id": slow.ip, "Port": slow.port}])
    assert wait_until(lambda: alb.health(group).get(slow.ip) == ("draining", "Target.DeregistrationInProgress"), 5)
    time.sleep(1)
    assert {get(url + "/")[1] for _ in range(10)} == {"other"}
    thread.join(timeout=10)
    time.sleep(0.5)
    assert sorted(answers) == [(200, "other", None), (200, "slow", None)]
    assert wait_until(lambda: slow.ip not in alb.health(group), seconds=6)


def test_no_request_fails_during_reloads(alb, aws):
    servers = [Target(f"s{i}") for i in range(3)]
    group = alb.group("api", servers[0])
    listener = alb.listener(forward(group))
    url = alb.start()
    assert all_healthy(alb, group)
    failures, done, stop = [], [], threading.Event()

    def load():
        for _ in range(5000):
            if stop.is_set():
                return
            status = get(url + "/")[0]
            done.append(status)
            if status != 200:
                failures.append(status)

    thread = threading.Thread(target=load)
    thread.start()
    before = runtime.report(aws.endpoint)["elb"]["reloads"]
    for i in range(12):
        alb.client.create_rule(
            ListenerArn=listener,
            Priority=100 + i,
            Conditions=[{"Field": "path-pattern", "Values": [f"/r{i}"]}],
            Actions=[forward(group)],
        )
        time.sleep(0.8)
    stop.set()
    thread.join(timeout=20)
    reloads = runtime.report(aws.endpoint)["elb"]["reloads"] - before
    assert reloads >= 10 and len(done) > 100
    assert failures == []


def test_metrics_reach_cloudwatch_and_fire_an_alarm(alb, aws):
    server = Target("api")
    group = alb.group("api", server)
    alb.listener(forward(group))
    url = alb.start()
    assert all_healthy(alb, group)
    cloudwatch = boto3.client("cloudwatch")
    dimensions = [
        {"Name": "LoadBalancer", "Value": alb.dimension},
        {"Name": "TargetGroup", "Value": group.split(":")[-1]},
    ]
    cloudwatch.put_metric_alarm(
        AlarmName="api-5xx",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=dimensions,
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=3.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    evaluation.configure(aws.endpoint, speedup=60, interval=0.2)
    state = None
    for _ in range(40):  # ~8 s of failing requests
        for _ in range(5):
            get(url + "/fail")
        get(url + "/ok")
        state = cloudwatch.describe_alarms(AlarmNames=["api-5xx"])["MetricAlarms"][0]["StateValue"]
        if state == "ALARM":
            break
        time.sleep(0.2)
    assert state == "ALARM", (
        runtime.report(aws.endpoint),
        cloudwatch.list_metrics(Namespace="AWS/ApplicationELB")["Metrics"][:3],
    )
    names = {
        (m["MetricName"], tuple(sorted(d["Name"] for d in m["Dimensions"])))
        for m in cloudwatch.list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]
    }
    assert ("RequestCount", ("LoadBalancer", "TargetGroup")) in names
    assert ("RequestCount", ("LoadBalancer",)) in names
    assert ("HTTPCode_Target_2XX_Count", ("LoadBalancer", "TargetGroup")) in names
    assert ("TargetResponseTime", ("LoadBalancer", "TargetGroup")) in names


def test_a_refused_connection_is_502_and_an_empty_group_503_as_alb_answers(alb, aws):
    """ALB: 502 when the target refuses the connection, 503 when the group has no target (HAProxy says
    503 to both); each counted as HTTPCode_ELB_5XX_Count and under its own code."""
    gone = Target("gone")
    gone.close()  # nothing listens on its address any more
    refusing, empty = alb.group("refusing", gone), alb.group("empty")
    listener = alb.listener(forward(refusing))
    alb.client.create_rule(
        ListenerArn=listener, Priority=1, Conditions=[{"Field": "path-pattern", "Values": ["/empty"]}],
        Actions=[forward(empty)],
    )  # fmt: skip
    url = alb.start()

    def answers():
        try:
            return get(url + "/empty")[0]
        except urllib.error.URLError:  # HAProxy not listening yet
            return None

    assert wait_until(answers, seconds=10)
    # No target is healthy (the one of "refusing" is still initial): ALB fails open and tries it.
    assert [get(url + "/")[0] for _ in range(3)] == [502] * 3
    assert [get(url + "/empty")[0] for _ in range(2)] == [503] * 2
    cloudwatch = boto3.client("cloudwatch")

    def counted():
        found = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]}
        return {"HTTPCode_ELB_502_Count", "HTTPCode_ELB_503_Count", "HTTPCode_ELB_5XX_Count"} <= found and found

    assert wait_until(counted, seconds=10), cloudwatch.list_metrics(Namespace="AWS/ApplicationELB")["Metrics"]
    assert "HTTPCode_Target_5XX_Count" not in counted()
