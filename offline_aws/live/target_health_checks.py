"""Health checks of each target group's targets as ALB runs them, and the target health they give.

Python runs the checks (not HAProxy: its 2.6 servers start UP, and ALB's ``initial`` target must
get no traffic), one thread scheduling each target on its group's IntervalSeconds and a small pool
sending the requests. ``sync(groups)`` is told the registered targets each tick; a target that left
is ``draining`` for the group's deregistration delay, then gone.
"""

import concurrent.futures
import http.client
import ssl
import threading
import time

DESCRIPTIONS = {
    "Elb.RegistrationInProgress": "Target registration is in progress",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
    "Target.HealthCheckDisabled": "Health checks are disabled",
}


def matches(matcher, status):
    """ALB's HttpCode matcher: "200", "200-299", "200,302" (and mixes of them)."""
    for part in str(matcher or "200").split(","):
        low, _, high = part.strip().partition("-")
        if low and int(low) <= status <= int(high or low):
            return True
    return False


def check_once(address, port, settings):
    """One health check: (True, None) or (False, (reason, description))."""
    protocol = (settings.get("protocol") or "HTTP").upper()
    timeout = float(settings.get("timeout", 5))
    if protocol == "HTTPS":
        connection = http.client.HTTPSConnection(
            address,
            port,
            timeout=timeout,
            context=ssl._create_unverified_context(),  # noqa: S323 (ALB accepts targets' self-signed certs)
        )
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("GET", settings.get("path") or "/", headers={"User-Agent": "ELB-HealthChecker/2.0"})
        status = connection.getresponse().status
    except TimeoutError:
        return False, ("Target.Timeout", DESCRIPTIONS["Target.Timeout"])
    except OSError:
        return False, ("Target.FailedHealthChecks", DESCRIPTIONS["Target.FailedHealthChecks"])
    finally:
        connection.close()
    if matches(settings.get("matcher"), status):
        return True, None
    return False, ("Target.ResponseCodeMismatch", f"Health checks failed with these codes: [{status}]")


class Target:
    """One registered target's health, as describe_target_health reports it."""

    def __init__(self, port):
        self.port = port
        self.state = "initial"
        self.reason = ("Elb.RegistrationInProgress", DESCRIPTIONS["Elb.RegistrationInProgress"])
        self.successes = self.failures = 0
        self.due = 0.0
        self.busy = False
        self.drain_until = None

    def record(self, ok, reason, healthy_count, unhealthy_count):
        if ok:
            self.successes, self.failures = self.successes + 1, 0
            if self.state != "healthy" and self.successes >= healthy_count:
                self.state, self.reason = "healthy", None
        else:
            self.successes, self.failures = 0, self.failures + 1
            if self.failures >= unhealthy_count:
                self.state, self.reason = "unhealthy", reason
            elif self.state == "unhealthy":
                self.reason = reason


class HealthChecks:
    """Every target's health; thread-safe. ``groups``: {arn: {"settings", "targets": {id: port},
    "in_use", "delay"}} with settings {enabled, protocol, port, path, interval, timeout, healthy,
    unhealthy, matcher}."""

    def __init__(self, workers=8):
        self._lock = threading.Lock()
        self._groups = {}
        self._targets = {}  # (group ARN, target id) -> Target
        self._stop = threading.Event()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="alb-health")
        self._thread = threading.Thread(target=self._run, name="alb-health-checks", daemon=True)
        self._thread.start()

    def sync(self, groups):
        now = time.monotonic()
        with self._lock:
            self._groups = groups
            for arn, group in groups.items():
                for target_id, port in group["targets"].items():
                    current = self._targets.get((arn, target_id))
                    if current is None or current.drain_until is not None or current.port != port:
                        self._targets[(arn, target_id)] = Target(port)
            for key, target in list(self._targets.items()):
                arn, target_id = key
                group = groups.get(arn)
                if group is None:
                    del self._targets[key]
                elif target_id not in group["targets"] and target.drain_until is None:
                    target.drain_until = now + float(group.get("delay", 300))
                    target.state = "draining"
                    target.reason = ("Target.DeregistrationInProgress", DESCRIPTIONS["Target.DeregistrationInProgress"])
                if target.drain_until is not None and now >= target.drain_until:
                    del self._targets[key]

    def health(self, arn, target_id):
        """(state, reason, description, port), or None when the target is not known here."""
        with self._lock:
            target = self._targets.get((arn, target_id))
            group = self._groups.get(arn)
            if target is None or group is None:
                return None
            if target.drain_until is None and not group["in_use"]:
                return "unused", "Target.NotInUse", DESCRIPTIONS["Target.NotInUse"], target.port
            if target.drain_until is None and not group["settings"]["enabled"]:
                return (
                    "unavailable",
                    "Target.HealthCheckDisabled",
                    DESCRIPTIONS["Target.HealthCheckDisabled"],
                    target.port,
                )
            reason, description = target.reason or (None, None)
            return target.state, reason, description, target.port

    def draining(self, arn):
        """The ids of the group's draining targets (describe_target_health still lists them)."""
        with self._lock:
            return [t for (a, t), target in self._targets.items() if a == arn and target.drain_until is not None]

    def servers(self, arn):
        """[(id, port, gets new requests)] of the group: the healthy ones, or all when none is
        healthy (ALB fails open); draining ones get none."""
        with self._lock:
            group = self._groups.get(arn, {"settings": {"enabled": True}})
            members = [
                (t, target) for (a, t), target in self._targets.items() if a == arn and target.drain_until is None
            ]
            if not group["settings"].get("enabled", True):
                return [(t, target.port, True) for t, target in members]
            healthy = {t for t, target in members if target.state == "healthy"}
            return [(t, target.port, not healthy or t in healthy) for t, target in members]

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self):
        while not self._stop.wait(0.05):
            now = time.monotonic()
            with self._lock:
                due = []
                for key, target in self._targets.items():
                    group = self._groups.get(key[0])
                    if (
                        group
                        and group["in_use"]
                        and group["settings"]["enabled"]
                        and target.drain_until is None
                        and not target.busy
                        and now >= target.due
                    ):
                        target.busy = True
                        target.due = now + float(group["settings"]["interval"])
                        due.append((key, target, group["settings"]))
            for key, target, settings in due:
                self._pool.submit(self._check, key, target, settings)

    def _check(self, key, target, settings):
        try:
            port = target.port if settings.get("port") in (None, "traffic-port") else int(settings["port"])
            ok, reason = check_once(key[1], port, settings)
            with self._lock:
                target.record(ok, reason, int(settings["healthy"]), int(settings["unhealthy"]))
        finally:
            target.busy = False
