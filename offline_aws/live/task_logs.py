"""The awslogs log driver, offline: each task's container output goes to its CloudWatch Logs stream.

ECS's awslogs driver sends a container's stdout/stderr to the group ``awslogs-group`` in the stream
``<awslogs-stream-prefix>/<container name>/<task id>`` (ECS Developer Guide, "Send Amazon ECS logs to
CloudWatch"). The agent reads the new lines with the engine's ``logs --since`` every few seconds and
puts them straight into the offline CloudWatch Logs (so the logs runbook reads what the services
wrote). A group that does not exist fails the shipping, not the task (AWS's driver would fail the
task's start; the stack creates its groups first).
"""

import datetime
import time

SHIP_EVERY_SECONDS = 5.0
MAX_EVENTS = 5000


def destination(container, task_id):
    """(group, stream) of the container's awslogs configuration, or None."""
    config = container.get("logConfiguration") or {}
    options = config.get("options") or {}
    if config.get("logDriver") != "awslogs" or not options.get("awslogs-group"):
        return None
    prefix = options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container.get('name')}/{task_id}" if prefix else task_id
    return options["awslogs-group"], stream


def parse(output):
    """[(milliseconds, message)] from ``logs --timestamps`` lines (RFC 3339 stamp, a space, the line)."""
    events = []
    for line in output.splitlines():
        stamp, _, message = line.partition(" ")
        try:
            moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            moment, message = datetime.datetime.now(datetime.UTC), line
        events.append((int(moment.timestamp() * 1000), message))
    return events[-MAX_EVENTS:]


def ship(account, region, group, stream, events):
    from moto.logs.models import logs_backends

    backend = logs_backends[account][region]
    if group not in backend.groups:
        return 0
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    if events:
        backend.put_log_events(group, stream, [{"timestamp": at, "message": message} for at, message in events])
    return len(events)


class LogShipper:
    """Remembers, per container, up to when its output was shipped."""

    def __init__(self, engine):
        self.engine = engine
        self.since = {}  # container id -> unix seconds shipped up to
        self.last = 0.0
        self.shipped = 0

    def due(self, now):
        if now - self.last < SHIP_EVERY_SECONDS:
            return False
        self.last = now
        return True

    def collect(self, account, region, container_id, container, task_id):
        """Read and ship the container's new lines (runs in the agent's pool)."""
        where = destination(container, task_id)
        if where is None or not container_id:
            return 0
        since = self.since.get(container_id, 0)
        now = time.time()
        output = self.engine.logs_since(container_id, since) if since else self.engine.logs_since(container_id, 0)
        self.since[container_id] = now
        events = [(at, message) for at, message in parse(output) if at >= since * 1000]
        count = ship(account, region, *where, events)
        self.shipped += count
        return count
