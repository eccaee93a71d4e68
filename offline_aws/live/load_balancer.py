"""The live load balancer: one HAProxy (master-worker) for every active application load balancer.

Each tick reads the ELBv2 backends in process, tells the health checks the registered targets,
renders HAProxy's configuration and reloads (SIGUSR2 to the master; the listening sockets pass to
the new worker, so no request is refused) only when the text changed. One loopback port per
(load balancer ARN, listener port) for the life of the component. HTTPS listeners are skipped
(reported under ``skipped``). While it runs, moto's target health is the health checks' answer.
"""

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

from offline_aws.live.alb_metrics import AlbMetrics
from offline_aws.live.haproxy_config import render
from offline_aws.live.target_health_checks import HealthChecks

HAPROXY = "/usr/sbin/haproxy"
SERVING = ("active", "provisioning")  # moto makes a provisioning load balancer active when described


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _name(kind, arn):
    """A HAProxy section name from an ARN's resource part (app/name/id, targetgroup/name/id)."""
    return kind + "." + arn.split(":")[-1].split("/", 1)[-1].replace("/", ".")


class LoadBalancers:
    """The component: ``tick``, ``report``, ``stop``; ``address(dns_name, port)`` for the ECS agent."""

    def __init__(self, config):
        self.state_dir = Path(config["state_dir"])
        self.environment = {**os.environ, **config.get("environment", {})}
        self.ports = {}  # (load balancer ARN, listener port) -> loopback port
        self.process = None
        self.reloads = 0
        self.text = None
        self.problem = None
        self.view = {}
        self.skipped = []
        self.health = HealthChecks()
        self.metrics = AlbMetrics()
        self._undo = _patch_target_health(self.health)

    # The tick -----------------------------------------------------------------------------------
    def tick(self):
        balancers, groups = self._read()
        self.health.sync(groups)
        spec = self._spec(balancers, groups)
        text = render(spec)
        if text != self.text:
            self._apply(text)

    def _read(self):
        """(load balancers [(account, region, lb)], target groups {arn: health settings}) from moto."""
        from moto.elbv2.models import elbv2_backends

        balancers, groups, used = [], {}, set()
        for account, regions in list(elbv2_backends.items()):
            for region, backend in list(regions.items()):
                for lb in list(backend.load_balancers.values()):
                    if lb.type == "application" and lb.state in SERVING:
                        balancers.append((account, region, lb))
                        for listener in list(lb.listeners.values()):
                            for rule in list(listener.rules.values()):
                                for action in rule.actions:
                                    data = action.data
                                    used.update(
                                        g["TargetGroupArn"]
                                        for g in data.get("ForwardConfig", {}).get("TargetGroups", [])
                                    )
                                    if data.get("TargetGroupArn"):
                                        used.add(data["TargetGroupArn"])
                for group in list(backend.target_groups.values()):
                    if group.target_type not in ("ip", "instance") or group.protocol not in ("HTTP", "HTTPS"):
                        continue
                    groups[group.arn] = {
                        "account": account,
                        "region": region,
                        "name": _name("tg", group.arn),
                        "dimension": group.arn.split(":")[-1],
                        "in_use": group.arn in used,
                        "delay": float(group.attributes.get("deregistration_delay.timeout_seconds", 300)),
                        "targets": {t["Id"]: int(t.get("Port") or group.port) for t in list(group.targets.values())},
                        "settings": {
                            "enabled": group.health_check_enabled is not False,
                            "protocol": group.health_check_protocol or group.protocol,
                            "port": group.health_check_port,
                            "path": group.health_check_path or "/",
                            "interval": float(group.health_check_interval_seconds),
                            "timeout": float(group.health_check_timeout_seconds),
                            "healthy": int(group.healthy_threshold_count),
                            "unhealthy": int(group.unhealthy_threshold_count),
                            "matcher": (group.matcher or {}).get("HttpCode", "200"),
                        },
                    }
        return balancers, groups

    def _spec(self, balancers, groups):
        frontends, view, skipped = [], {}, []
        for account, region, lb in balancers:
            dimension = lb.arn.split(":loadbalancer/")[-1]
            entry = {"arn": lb.arn, "dns_name": lb.dns_name, "account": account, "region": region, "listeners": {}}
            for listener in list(lb.listeners.values()):
                if listener.protocol != "HTTP":
                    skipped.append(f"{lb.name}:{listener.port} ({listener.protocol} is not served)")
                    continue
                key = (lb.arn, int(listener.port))
                if key not in self.ports:
                    self.ports[key] = _free_port()
                name = f"{_name('lb', lb.arn)}.{listener.port}"
                self.metrics.names[name] = (account, region, dimension)
                rules = sorted(
                    (r for r in list(listener.rules.values()) if not r.is_default), key=lambda r: int(r.priority)
                ) + [r for r in list(listener.rules.values()) if r.is_default]
                frontends.append(
                    {
                        "name": name,
                        "bind": f"127.0.0.1:{self.ports[key]}",
                        "protocol": listener.protocol,
                        "port": listener.port,
                        "rules": [{"conditions": r.conditions, "actions": [a.data for a in r.actions]} for r in rules],
                    }
                )
                entry["listeners"][str(listener.port)] = f"http://127.0.0.1:{self.ports[key]}"
            view[lb.name] = entry
        backends = {}
        for arn, group in groups.items():
            if not group["in_use"]:
                continue
            self.metrics.names[group["name"]] = (group["account"], group["region"], group["dimension"])
            servers = [
                {"name": f"{target_id}:{port}", "address": target_id, "port": port, "enabled": enabled}
                for target_id, port, enabled in sorted(self.health.servers(arn))
            ]
            backends[arn] = {"name": group["name"], "servers": servers}
        if view != self.view:
            # The same map as report()'s: make up, the local inventory and the e2e tests read it.
            shown = {name: {k: e[k] for k in ("arn", "dns_name", "listeners")} for name, e in view.items()}
            public = {"load_balancers": shown}
            (self.state_dir / "load_balancers.json").write_text(json.dumps(public, indent=2, sort_keys=True))
        self.view, self.skipped = view, skipped
        return {
            "log": self.metrics.address,
            "socket": str(self.state_dir / "haproxy.sock"),
            "frontends": frontends,
            "backends": backends,
        }

    def _apply(self, text):
        candidate = self.state_dir / "haproxy.cfg.new"
        candidate.write_text(text)
        checked = subprocess.run(  # noqa: S603 (our own binary and file)
            [HAPROXY, "-c", "-q", "-f", str(candidate)],
            capture_output=True,
            text=True,
            timeout=30,
            env=self.environment,
        )
        if checked.returncode != 0:
            self.problem = checked.stderr.strip()[-2000:] or checked.stdout.strip()[-2000:]
            self.text = text  # do not retry the same bad text every tick
            return
        self.problem = None
        os.replace(candidate, self.state_dir / "haproxy.cfg")
        self.text = text
        if self.process is None or self.process.poll() is not None:
            self._start()
        else:
            self.process.send_signal(signal.SIGUSR2)
            self.reloads += 1

    def _start(self):
        log = open(self.state_dir / "haproxy.log", "ab")  # noqa: SIM115 (HAProxy keeps it)
        self.process = subprocess.Popen(  # noqa: S603 (our own binary and files)
            [HAPROXY, "-W", "-f", str(self.state_dir / "haproxy.cfg"), "-p", str(self.state_dir / "haproxy.pid")],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=self.environment,
            start_new_session=True,
        )
        log.close()

    # The interface --------------------------------------------------------------------------------
    def address(self, dns_name, listener_port):
        """ "127.0.0.1:PORT" of the load balancer named ``dns_name``'s listener, or None."""
        for entry in list(self.view.values()):
            if entry["dns_name"].lower() == str(dns_name).lower():
                url = entry["listeners"].get(str(listener_port))
                return url.split("//", 1)[1] if url else None
        return None

    def report(self):
        return {
            "load_balancers": {
                name: {k: entry[k] for k in ("arn", "dns_name", "listeners")} for name, entry in self.view.items()
            },
            "haproxy_pid": self.process.pid if self.process and self.process.poll() is None else None,
            "reloads": self.reloads,
            "skipped": self.skipped,
            "config_error": self.problem,
            "log_lines": self.metrics.lines,
            "metric_data": self.metrics.published,
        }

    def stop(self):
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.health.stop()
        self.metrics.stop()
        self._undo()


def _patch_target_health(health):
    """While the component runs, moto's target health is what the health checks saw (draining
    targets included); the returned function puts moto's own back."""
    from moto.elbv2 import models

    original_health_for = models.FakeTargetGroup.health_for
    original_describe = models.ELBv2Backend.describe_target_health

    def health_for(self, target, ec2_backend):
        known = health.health(self.arn, target["Id"])
        if known is None:
            return original_health_for(self, target, ec2_backend)
        state, reason, description, port = known
        return models.FakeHealthStatus(target["Id"], port, self.health_check_port, state, reason, description)

    def describe_target_health(self, target_group_arn, targets):
        if not targets and target_group_arn in self.target_groups:
            group = self.target_groups[target_group_arn]
            targets = list(group.targets.values()) + [
                {"Id": target_id} for target_id in health.draining(target_group_arn) if target_id not in group.targets
            ]
        return original_describe(self, target_group_arn, targets)

    models.FakeTargetGroup.health_for = health_for
    models.ELBv2Backend.describe_target_health = describe_target_health

    def undo():
        models.FakeTargetGroup.health_for = original_health_for
        models.ELBv2Backend.describe_target_health = original_describe

    return undo
