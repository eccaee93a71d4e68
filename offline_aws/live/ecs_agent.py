"""ECS, offline: each service's tasks run as real containers, and ECS reports them as it does on AWS.

moto records services and never runs a task: a service is "running" its desired count the moment
it is created or updated, so a deployment of an image that crashes at start passed here. This agent
reconciles every ACTIVE service of the ECS deployment controller, in every account and region of
the offline AWS, to containers (engine: ``containers.py``), as the ECS scheduler's rolling update
does (ECS Developer Guide, "Deploy Amazon ECS services by replacing tasks"; API reference,
Deployment, DeploymentConfiguration, DeploymentCircuitBreaker, Task):

- A task goes PROVISIONING -> PENDING -> RUNNING -> (DEACTIVATING: deregistered from its target
  groups, for their ``deregistration_delay.timeout_seconds``) -> STOPPING -> STOPPED, with
  ``stoppedReason``, ``stopCode`` and the container's exit code; ``healthStatus`` from the container
  health check (command, interval, timeout, retries, startPeriod): UNHEALTHY stops the task. Each
  task has its own loopback address (127.0.2.x) and the container port, as an awsvpc task has its
  own address; it is registered as an ip target in the service's target groups once RUNNING, and a
  target the load balancer finds unhealthy after the service's ``healthCheckGracePeriodSeconds``
  stops the task ("Task failed ELB health checks").
- A new task definition starts a new PRIMARY deployment (IN_PROGRESS); the old one stays ACTIVE
  until its tasks are replaced within ``minimumHealthyPercent``/``maximumPercent`` (healthy =
  RUNNING, container health not UNHEALTHY, every target healthy); then COMPLETED and a steady state.
- The deployment circuit breaker: a deployment whose tasks fail to start (stop before they were
  healthy) ``max(3, min(200, ceil(0.5 * desired)))`` times is FAILED ("ECS deployment circuit
  breaker: tasks failed to start."); with ``rollback`` the service goes back to its last COMPLETED
  deployment's task definition. Without the breaker ECS keeps trying.
- The services' ``runningCount``/``pendingCount`` and their deployments' counts are the agent's.
- The awslogs driver: each container's output goes to its CloudWatch Logs stream (``task_logs.py``).

The agent patches moto's UpdateService while it runs (and restores it when stopped), so that a new
task definition no longer completes at once and a new desired count is not "running" at once.
"""

import contextlib
import itertools
import math
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from offline_aws.live import task_environment
from offline_aws.live.containers import Engine, EngineError
from offline_aws.live.task_logs import LogShipper

SERVING = ("PROVISIONING", "PENDING", "RUNNING")
STATES_EVERY_SECONDS = 1.0
STOPPED_KEPT_SECONDS = 600
ADDRESS_PREFIX = "127.0.2."
DEFAULT_DEREGISTRATION_DELAY = 300
FAILED_START_BACKOFF_SECONDS = 2.0


@dataclass
class LiveTask:
    task: object  # moto's Task, what DescribeTasks answers
    key: tuple  # (account, region, cluster name, service name)
    deployment_id: str
    task_definition: object
    container: dict
    ip: str
    phase: str = "PROVISIONING"
    container_id: str = ""
    health: str = "UNKNOWN"
    health_failures: int = 0
    started: float = 0.0
    next_check: float = 0.0
    drain_until: float = 0.0
    targets: list = field(default_factory=list)  # [(target group ARN, port)]
    healthy_once: bool = False
    failed: bool = False
    pending: object = None  # a Future of the engine's start or stop in flight
    checking: object = None  # a Future of the container health check in flight
    stopped_at: float = 0.0


def _now_utc():
    from moto.core.utils import utcnow

    return utcnow()


def failure_threshold(desired):
    return max(3, min(200, math.ceil(0.5 * desired)))


class EcsAgent:
    def __init__(self, config):
        self.state_dir = Path(config["state_dir"]).resolve()
        self.endpoint = config.get("endpoint", "")
        self.tasks_dir = self.state_dir / "tasks"
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        self.engine = Engine(owner=str(self.state_dir), environment=config.get("environment", {}))
        self.pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="ecs-agent")
        self.tasks = {}  # task ARN -> LiveTask
        self.container_states = {}
        self.states_read = 0.0
        self.addresses = itertools.cycle(range(2, 250))
        self.last_failed_start = {}
        self.started = self.stopped = self.failed_starts = 0
        self.logs = LogShipper(self.engine)
        with contextlib.suppress(EngineError, OSError):
            self.engine.remove_all()  # a crashed run's containers
        self._patch()

    # --- moto patches, while the agent runs -------------------------------------------------
    def _patch(self):
        from moto.ecs.models import EC2ContainerServiceBackend

        self._original_update_service = EC2ContainerServiceBackend.update_service
        self._original_list_tasks = EC2ContainerServiceBackend.list_tasks
        agent = self
        original_update, original_list = self._original_update_service, self._original_list_tasks

        def update_service(backend, service_properties):
            name = service_properties.get("service", "").split("/")[-1]
            cluster = service_properties.get("cluster", "default")
            before = backend._get_service(cluster, name)
            # Copies: moto's UpdateService (and our extension of it) rewrite the deployments in place.
            previous = (before.task_definition, [dict(d) for d in before.deployments])
            forced = service_properties.get("force_new_deployment", False)
            service = original_update(backend, service_properties)
            agent.on_update_service(service, previous, forced)
            return service

        def list_tasks(backend, cluster_str=None, container_instance=None, family=None, started_by=None,
                       service_name=None, desiredStatus=None):  # fmt: skip
            found = original_list(backend, cluster_str, container_instance, family, started_by, None, desiredStatus)
            if service_name:
                found = [t for t in found if t.group == f"service:{service_name.split('/')[-1]}"]
            return found

        EC2ContainerServiceBackend.update_service = update_service
        EC2ContainerServiceBackend.list_tasks = list_tasks

    def _unpatch(self):
        from moto.ecs.models import EC2ContainerServiceBackend

        EC2ContainerServiceBackend.update_service = self._original_update_service
        EC2ContainerServiceBackend.list_tasks = self._original_list_tasks

    def on_update_service(self, service, previous, forced):
        """UpdateService: a new task definition (or forceNewDeployment) is a new PRIMARY deployment,
        IN_PROGRESS; the counts stay what runs (moto made the new desired count "running")."""
        from moto.moto_api._internal import mock_random

        previous_task_definition, previous_deployments = previous
        if service.deployment_controller.get("type", "ECS") != "ECS":
            return
        service.task_definition = _arn_of(service, service.task_definition)
        deployments = [d for d in previous_deployments if d.get("status") in ("PRIMARY", "ACTIVE")]
        if forced or service.task_definition != previous_task_definition or not deployments:
            now = _now_utc()
            for deployment in deployments:
                deployment["status"] = "ACTIVE"
            template = dict(deployments[0]) if deployments else {}
            new_id = "ecs-svc/%d" % mock_random.randint(0, 32**12)
            template.update(
                id=new_id, status="PRIMARY", taskDefinition=service.task_definition, createdAt=now, updatedAt=now,
                desiredCount=service.desired_count, runningCount=0, pendingCount=0, failedTasks=0,
                rolloutState="IN_PROGRESS", rolloutStateReason=f"ECS deployment {new_id} in progress.",
            )  # fmt: skip
            deployments.insert(0, template)
            _event(service, f"(service {service.name}) has begun a deployment ({new_id}).")
        else:
            deployments[0]["desiredCount"] = service.desired_count
        service.deployments = deployments
        self._write_counts(service)

    # --- the clock --------------------------------------------------------------------------
    def tick(self):
        now = time.monotonic()
        if now - self.states_read >= STATES_EVERY_SECONDS:
            self.container_states = self.engine.states()
            self.states_read = now
        for live in list(self.tasks.values()):
            self._advance(live, now)
        if self.logs.due(now):
            for live in self.tasks.values():
                if live.container_id and live.phase in ("RUNNING", "DEACTIVATING", "STOPPING"):
                    account, region = live.key[:2]
                    task_id, container = live.task.id, live.container
                    self.pool.submit(self.logs.collect, account, region, live.container_id, container, task_id)
        services = dict(self._services())
        for key, (backend, service) in services.items():
            self._reconcile(key, backend, service, now)
        for live in list(self.tasks.values()):
            if live.key not in services and live.phase in SERVING:
                self._begin_stop(live, "Service deleted", "ServiceSchedulerInitiated", now, drain=False)
            if live.phase == "STOPPED" and now - live.stopped_at > STOPPED_KEPT_SECONDS:
                del self.tasks[live.task.task_arn]

    def _services(self):
        from moto.ecs.models import ecs_backends

        for account, regions in list(ecs_backends.items()):
            for region, backend in list(regions.items()):
                for service in list(backend.services.values()):
                    if service.status != "ACTIVE" or service.deployment_controller.get("type", "ECS") != "ECS":
                        continue
                    yield (account, region, service.cluster_name, service.name), (backend, service)

    # --- one service ------------------------------------------------------------------------
    def _reconcile(self, key, backend, service, now):
        if not service.deployments:
            return
        primary = service.deployments[0]
        ours = [t for t in self.tasks.values() if t.key == key]
        serving = [t for t in ours if t.phase in SERVING]
        current = [t for t in serving if t.deployment_id == primary["id"]]
        older = [t for t in serving if t.deployment_id != primary["id"]]
        desired = service.desired_count
        config = getattr(service, "deployment_configuration", None) or {}
        maximum = config.get("maximumPercent", 200)
        minimum = config.get("minimumHealthyPercent", 100)

        self._circuit_breaker(service, primary, config, desired)
        primary = service.deployments[0]
        current = [t for t in serving if t.deployment_id == primary["id"]]
        older = [t for t in serving if t.deployment_id != primary["id"]]

        if primary.get("rolloutState") != "FAILED":
            room = max(math.floor(desired * maximum / 100), desired) - len(serving)
            wanted = min(desired - len(current), room)
            backing_off = now - self.last_failed_start.get(key, 0) < FAILED_START_BACKOFF_SECONDS
            for _ in range(max(0, wanted) if not backing_off else 0):
                self._launch(key, backend, service, primary, now)
                if primary.get("failedTasks"):
                    break  # one at a time once tasks fail, as ECS throttles them
        for extra in _least_healthy_first(self, current)[: max(0, len(current) - desired)]:
            self._begin_stop(extra, f"Scaling activity initiated by (deployment {primary['id']})",
                             "ServiceSchedulerInitiated", now)  # fmt: skip

        healthy = [t for t in serving if self._healthy(t)]
        floor_healthy = math.ceil(desired * minimum / 100)
        stoppable = len(healthy) - floor_healthy if desired else len(older)
        for old in _least_healthy_first(self, older):
            if self._healthy(old) and stoppable <= 0:
                break
            if self._healthy(old):
                stoppable -= 1
            self._begin_stop(old, f"Scaling activity initiated by (deployment {primary['id']})",
                             "ServiceSchedulerInitiated", now)  # fmt: skip

        ours = [t for t in self.tasks.values() if t.key == key]
        alive = [t for t in ours if t.phase in SERVING]
        leaving = [t for t in ours if t.phase in ("DEACTIVATING", "STOPPING")]
        leaving += [t for t in alive if t.deployment_id != primary["id"]]
        current = [t for t in alive if t.deployment_id == primary["id"]]
        steady = len(current) == desired and all(self._healthy(t) for t in current) and not leaving
        if steady and primary.get("rolloutState") == "IN_PROGRESS":
            primary.update(rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {primary['id']} completed.",
                           updatedAt=_now_utc())  # fmt: skip
            service.deployments = [primary]
            _event(service, f"(service {service.name}) has reached a steady state.")
        elif steady and len(service.deployments) > 1 and primary.get("rolloutState") == "COMPLETED":
            service.deployments = [primary]
        self._write_counts(service)

    def _circuit_breaker(self, service, primary, config, desired):
        breaker = config.get("deploymentCircuitBreaker") or {}
        if not breaker.get("enable") or primary.get("rolloutState") != "IN_PROGRESS":
            return
        if primary.get("failedTasks", 0) < failure_threshold(desired):
            return
        reason = "ECS deployment circuit breaker: tasks failed to start."
        primary.update(rolloutState="FAILED", rolloutStateReason=reason, updatedAt=_now_utc())
        _event(service, f"(service {service.name}) (deployment {primary['id']}) deployment failed: {reason}")
        if not breaker.get("rollback"):
            return
        completed = [d for d in service.deployments[1:] if d.get("rolloutState") == "COMPLETED"]
        if not completed:
            return
        target = completed[0]
        primary["status"] = "ACTIVE"
        rolling_back = f"ECS deployment circuit breaker: rolling back to deploymentId {target['id']}."
        target.update(status="PRIMARY", rolloutState="IN_PROGRESS", rolloutStateReason=rolling_back)
        service.task_definition = target["taskDefinition"]
        service.deployments = [target] + [d for d in service.deployments if d is not target]
        _event(service, f"(service {service.name}) rolling back to deployment {target['id']}.")

    def _write_counts(self, service):
        key_tail = (service.cluster_name, service.name)
        ours = [t for t in self.tasks.values() if t.key[2:] == key_tail and t.key[1] == service.region_name]
        running = [t for t in ours if t.phase in ("RUNNING", "DEACTIVATING")]
        pending = [t for t in ours if t.phase in ("PROVISIONING", "PENDING")]
        service.running_count, service.pending_count = len(running), len(pending)
        for deployment in service.deployments:
            mine = [t for t in ours if t.deployment_id == deployment["id"]]
            deployment["runningCount"] = sum(1 for t in mine if t.phase in ("RUNNING", "DEACTIVATING"))
            deployment["pendingCount"] = sum(1 for t in mine if t.phase in ("PROVISIONING", "PENDING"))
            if deployment["status"] == "PRIMARY":
                deployment["desiredCount"] = service.desired_count
            else:
                deployment["desiredCount"] = deployment["runningCount"] + deployment["pendingCount"]

    # --- one task ---------------------------------------------------------------------------
    def _launch(self, key, backend, service, deployment, now):
        from moto.ecs.models import Task

        account, region, cluster_name, _ = key
        task_definition = backend.describe_task_definition(deployment["taskDefinition"])
        container = _essential(task_definition)
        # moto's Task creates a network interface for an awsvpc task and fails on its DNS name; the
        # agent describes the task's interface itself: its own loopback address.
        shape = types.SimpleNamespace(arn=task_definition.arn, network_mode=None,
                                      container_definitions=task_definition.container_definitions)  # fmt: skip
        task = Task(
            backend._get_cluster(cluster_name), shape, None, None, backend,
            group=f"service:{service.name}", launch_type=service.launch_type or "FARGATE",
            started_by=deployment["id"],
        )  # fmt: skip
        task.advance = lambda: None  # the agent moves its state, not DescribeTasks
        task.last_status = "PROVISIONING"
        task.desired_status = "RUNNING"
        task.health_status = "UNKNOWN"
        task.created_at = _now_utc()
        ip = self._free_address()
        if task_definition.network_mode == "awsvpc":
            awsvpc = (getattr(service, "network_configuration", None) or {}).get("awsvpcConfiguration", {})
            task.attachments = [{
                "id": task.id, "type": "ElasticNetworkInterface", "status": "ATTACHED",
                "details": [{"name": "subnetId", "value": (awsvpc.get("subnets") or [""])[0]},
                            {"name": "privateIPv4Address", "value": ip}],
            }]  # fmt: skip
        backend.tasks.setdefault(cluster_name, {})[task.task_arn] = task
        live = LiveTask(task=task, key=key, deployment_id=deployment["id"], task_definition=task_definition,
                        container=container, ip=ip, started=now)  # fmt: skip
        self.tasks[task.task_arn] = live
        live.pending = self.pool.submit(self._start_container, live, account, region, service)
        self.started += 1
        _event(service, f"(service {service.name}) has started 1 tasks: (task {task.id}).")

    def _start_container(self, live, account, region, service):
        addresses = self._load_balancer_addresses()
        env = task_environment.environment(account, region, live.task_definition, live.container, live.task.id,
                                           live.ip, self.endpoint, addresses)  # fmt: skip
        env_file = self.tasks_dir / f"{live.task.id}.env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{k}={_one_line(v)}\n" for k, v in env.items()))
        try:
            command = list(live.container.get("command") or [])
            stop_timeout = live.container.get("stopTimeout", 30)
            return self.engine.run(f"ecs-{live.task.id}", live.container["image"], str(env_file), command,
                                   live.task.task_arn, stop_timeout)  # fmt: skip
        except EngineError as e:
            message = str(e)
            if "pull" in message.lower() or "manifest" in message.lower() or "image" in message.lower():
                raise task_environment.TaskStartError(
                    f"CannotPullContainerError: pull image manifest has been retried 1 time(s): {message}"
                ) from None
            raise task_environment.TaskStartError(f"CannotStartContainerError: {message}") from None
        finally:
            env_file.unlink(missing_ok=True)

    def _load_balancer_addresses(self):
        """{(DNS name, listener port): "127.0.0.1:PORT"} of the load balancers the offline AWS serves."""
        from offline_aws.live import runtime

        balancers = runtime.RUNTIME.component("elb")
        if balancers is None:
            return {}
        found = {}
        for balancer in balancers.report().get("load_balancers", {}).values():
            for port, url in balancer.get("listeners", {}).items():
                found[(balancer["dns_name"], int(port))] = url.split("//", 1)[-1]
        return found

    def _advance(self, live, now):
        task = live.task
        if live.pending is not None and not live.pending.done():
            return
        if live.phase == "PROVISIONING" and live.pending is not None:
            future, live.pending = live.pending, None
            try:
                live.container_id = future.result()
            except Exception as e:  # noqa: BLE001 (TaskStartError or anything the engine raised)
                self._stopped(live, str(e), "TaskFailedToStart", now, failed=True)
                return
            live.phase = task.last_status = "PENDING"
            task.pull_started_at = task.pull_stopped_at = _now_utc()
            return
        state = self.container_states.get(live.container_id)
        if live.phase == "PENDING":
            if state and state["running"]:
                live.phase = task.last_status = "RUNNING"
                task.started_at = _now_utc()
                live.started = now
                live.next_check = now + _health_check(live.container).get("startPeriod", 0)
                self._register(live)
            elif state and not state["running"]:
                self._exited(live, state, now)
            return
        if live.phase == "RUNNING":
            if state is not None and not state["running"]:
                self._exited(live, state, now)
                return
            self._check_container_health(live, now)
            self._check_target_health(live, now)
            if self._healthy(live):
                live.healthy_once = True
            return
        if live.phase == "DEACTIVATING" and now >= live.drain_until:
            live.phase = task.last_status = "STOPPING"
            timeout = live.container.get("stopTimeout", 30)
            live.pending = self.pool.submit(self._stop_container, live.container_id, timeout)
            return
        if live.phase == "STOPPING":
            live.pending = None
            self._stopped(live, task.stopped_reason, getattr(task, "stop_code", "ServiceSchedulerInitiated"), now,
                          failed=live.failed)  # fmt: skip

    def _stop_container(self, container_id, timeout):
        if container_id:
            self.engine.stop(container_id, timeout)
            self.engine.remove(container_id)

    def _exited(self, live, state, now):
        code = state.get("exit_code")
        logs = ""
        with contextlib.suppress(Exception):
            logs = self.engine.logs(live.container_id, lines=5)
        for container in live.task.containers:
            container.exitCode = code
            container.last_status = "STOPPED"
            container.reason = logs[-255:] if logs else ""
        self._deregister(live)
        reason = f"Essential container in task exited (exit code {code})"
        self.pool.submit(self.engine.remove, live.container_id)
        self._stopped(live, reason, "EssentialContainerExited", now, failed=not live.healthy_once)

    def _begin_stop(self, live, reason, code, now, drain=True, failed=False):
        task = live.task
        task.desired_status = "STOPPED"
        task.stopped_reason, task.stop_code = reason, code
        live.failed = live.failed or failed
        if failed:
            self._count_failure(live, now)
        if live.phase == "PROVISIONING":
            live.phase = task.last_status = "STOPPING"  # the start in flight is stopped when it ends
            live.pending = self.pool.submit(self._stop_when_started, live)
            return
        delay = self._deregister(live) if drain else 0
        live.phase = task.last_status = "DEACTIVATING"
        task.stopping_at = _now_utc()
        live.drain_until = now + delay

    def _stop_when_started(self, live):
        with contextlib.suppress(Exception):
            live.container_id = live.pending.result() if live.pending else live.container_id
        self._stop_container(live.container_id, 5)

    def _stopped(self, live, reason, code, now, failed):
        task = live.task
        task.last_status = task.desired_status = "STOPPED"
        task.stopped_reason, task.stop_code = reason, code
        task.stopped_at = task.execution_stopped_at = _now_utc()
        if live.phase != "STOPPED" and failed and not live.failed:
            live.failed = True
            self._count_failure(live, now)
        live.phase = "STOPPED"
        live.stopped_at = now
        self.stopped += 1

    def _count_failure(self, live, now):
        self.failed_starts += 1
        self.last_failed_start[live.key] = now
        for _, service in [v for k, v in self._services() if k == live.key]:
            for deployment in service.deployments:
                if deployment["id"] == live.deployment_id:
                    deployment["failedTasks"] = deployment.get("failedTasks", 0) + 1
            _event(service, f"(service {service.name}) task {live.task.id} stopped: {live.task.stopped_reason}")

    # --- health -----------------------------------------------------------------------------
    def _check_container_health(self, live, now):
        check = _health_check(live.container)
        if not check.get("command") or now < live.next_check:
            if not check.get("command") and live.health == "UNKNOWN":
                live.health = "UNKNOWN"  # no health check: ECS reports UNKNOWN and does not stop it
            return
        live.next_check = now + check.get("interval", 30)
        if live.checking is not None and not live.checking.done():
            return
        command = _shell(check["command"], live.container, live.ip)
        live.checking = self.pool.submit(self.engine.exec, live.container_id, command, check.get("timeout", 5))
        live.checking.add_done_callback(lambda future: self._health_result(live, future, check))

    def _health_result(self, live, future, check):
        try:
            ok = future.result()
        except Exception:  # noqa: BLE001
            ok = False
        if ok:
            live.health, live.health_failures = "HEALTHY", 0
        else:
            live.health_failures += 1
            in_start_period = time.monotonic() - live.started < check.get("startPeriod", 0)
            if live.health_failures >= check.get("retries", 3) and not in_start_period:
                live.health = "UNHEALTHY"
        live.task.health_status = live.health
        for container in live.task.containers:
            container.health_status = live.health
        if live.health == "UNHEALTHY" and live.phase == "RUNNING":
            self._begin_stop(live, "Task failed container health checks", "TaskFailedToStart", time.monotonic(),
                             failed=not live.healthy_once)  # fmt: skip

    def _target_states(self, live):
        from moto.ec2.models import ec2_backends
        from moto.elbv2.models import elbv2_backends

        account, region = live.key[:2]
        backend = elbv2_backends[account][region]
        states = []
        for arn, port in live.targets:
            group = backend.target_groups.get(arn)
            if group is not None:
                health = group.health_for({"Id": live.ip, "Port": port}, ec2_backends[account][region])
                states.append((arn, health.status))
        return states

    def _check_target_health(self, live, now):
        if not live.targets:
            return
        states = self._target_states(live)
        grace = self._grace_period(live)
        unhealthy = [arn for arn, state in states if state == "unhealthy"]
        if unhealthy and now - live.started >= grace:
            self._begin_stop(live, f"Task failed ELB health checks in (target-group {unhealthy[0]})",
                             "TaskFailedToStart", now, failed=not live.healthy_once)  # fmt: skip

    def _grace_period(self, live):
        for _, service in [v for k, v in self._services() if k == live.key]:
            return getattr(service, "health_check_grace_period_seconds", None) or 0
        return 0

    def _healthy(self, live):
        if live.phase != "RUNNING" or live.health == "UNHEALTHY":
            return False
        if _health_check(live.container).get("command") and live.health != "HEALTHY":
            return False
        if live.targets:
            states = self._target_states(live)
            return bool(states) and all(state == "healthy" for _, state in states)
        return True

    # --- target groups ----------------------------------------------------------------------
    def _register(self, live):
        from moto.elbv2.models import elbv2_backends

        account, region = live.key[:2]
        backend = elbv2_backends[account][region]
        for _, service in [v for k, v in self._services() if k == live.key]:
            for balancer in service.load_balancers or []:
                arn = balancer.get("targetGroupArn")
                if not arn or arn not in backend.target_groups:
                    continue
                port = balancer.get("containerPort") or _container_port(live.container)
                backend.register_targets(arn, [{"Id": live.ip, "Port": port}])
                live.targets.append((arn, port))

    def _deregister(self, live):
        """Deregister the task's targets; the longest deregistration delay of its groups."""
        from moto.elbv2.models import elbv2_backends

        account, region = live.key[:2]
        backend = elbv2_backends[account][region]
        delay = 0
        for arn, port in live.targets:
            group = backend.target_groups.get(arn)
            if group is None:
                continue
            with contextlib.suppress(Exception):
                backend.deregister_targets(arn, [{"Id": live.ip, "Port": port}])
            seconds = group.attributes.get("deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY)
            delay = max(delay, int(seconds))
        live.targets = []
        return delay

    def _free_address(self):
        used = {t.ip for t in self.tasks.values() if t.phase != "STOPPED"}
        for _ in range(250):
            ip = ADDRESS_PREFIX + str(next(self.addresses))
            if ip not in used:
                return ip
        raise RuntimeError("no free loopback address for another task")

    # --- the component's interface ----------------------------------------------------------
    def report(self):
        return {
            "engine": self.engine.binary,
            "started": self.started,
            "stopped": self.stopped,
            "failed_starts": self.failed_starts,
            "log_events_shipped": self.logs.shipped,
            "tasks": [
                {
                    "task": live.task.task_arn,
                    "service": "/".join(live.key[2:]),
                    "phase": live.phase,
                    "health": live.health,
                    "address": f"{live.ip}:{_container_port(live.container)}",
                    "container": live.container_id[:12],
                    "task_definition": live.task_definition.arn.rsplit("/", 1)[-1],
                    "stopped_reason": live.task.stopped_reason,
                }
                for live in self.tasks.values()
            ],
        }

    def stop(self):
        self._unpatch()
        # Do not wait for a stop in flight (a container's stopTimeout): every container goes now.
        self.pool.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(EngineError, OSError):
            self.engine.remove_all()
        for live in self.tasks.values():
            if live.phase != "STOPPED":
                live.task.last_status = live.task.desired_status = "STOPPED"
                live.task.stopped_reason = "The offline AWS's ECS agent stopped"
        for leftover in self.tasks_dir.glob("*.env"):
            leftover.unlink(missing_ok=True)


def _essential(task_definition):
    containers = task_definition.container_definitions
    with_ports = [c for c in containers if c.get("essential", True) and c.get("portMappings")]
    return (with_ports or containers)[0]


def _container_port(container):
    return (container.get("portMappings") or [{}])[0].get("containerPort")


def _health_check(container):
    return container.get("healthCheck") or {}


def _shell(command, container, ip):
    """The health check's command as a shell line, with the task's own address for localhost."""
    line = command[1] if command[0] == "CMD-SHELL" else " ".join(_quote(part) for part in command[1:])
    for port in [m.get("containerPort") for m in container.get("portMappings") or []]:
        for host in ("127.0.0.1", "localhost", "0.0.0.0"):  # noqa: S104 (a string, not a bind)
            line = line.replace(f"{host}:{port}", f"{ip}:{port}")
    return line


def _quote(part):
    import shlex

    return shlex.quote(part)


def _one_line(value):
    return str(value).replace("\n", "\\n")


def _least_healthy_first(agent, tasks):
    return sorted(tasks, key=lambda t: (agent._healthy(t), t.phase == "RUNNING", -t.started))


def _event(service, message):
    from moto.moto_api._internal import mock_random

    service.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": _now_utc(), "message": message})
    del service.events[100:]


def _arn_of(service, task_definition):
    if not task_definition or task_definition.startswith("arn:"):
        return task_definition
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[service._account_id][service.region_name]
    return backend.describe_task_definition(task_definition).arn
