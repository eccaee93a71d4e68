"""The clock of the live components and their control endpoint, ``/moto-api/live``.

``POST /moto-api/live`` with ``{"state_dir": DIR, "components": ["ecs", "elb"], "interval": 0.5,
"environment": {...}}`` switches them on (``{}`` switches them off: each stops what it started);
``GET`` reports each component's ``report()``. ``environment`` is handed to the container engine
and HAProxy (podman's CONTAINERS_* files). The server's ``OFFLINE_AWS_LIVE`` (same JSON) switches
them on at start; ``POST /moto-api/reset`` switches them off. The server stops them on SIGTERM.

A component is an object with ``tick()`` (one bounded reconciliation pass; it must not block for
long), ``report()`` (JSON-able) and ``stop()`` (stop every process it started, by id/PID).
"""

import contextlib
import json
import logging
import os
import threading
import time
import traceback
from pathlib import Path

from offline_aws.extensions._control import get, json_response, post, read_body

CONTROL_PATH = "/moto-api/live"
RESET_PATH = "/moto-api/reset"
ENVIRONMENT_VARIABLE = "OFFLINE_AWS_LIVE"
COMPONENTS = ("ecs", "elb")
LOG = logging.getLogger("offline_aws.live")


def check(config):
    """The reason ``config`` is refused, or None."""
    if not isinstance(config, dict):
        return "the configuration is a JSON object"
    if not config:
        return None
    unknown = sorted(set(config) - {"state_dir", "components", "interval", "environment", "endpoint"})
    if unknown:
        return f"unknown settings: {', '.join(unknown)} (state_dir, components, interval, environment, endpoint)"
    if not isinstance(config.get("state_dir"), str) or not config["state_dir"]:
        return "state_dir: the directory for the components' files (required)"
    components = config.get("components", list(COMPONENTS))
    if not isinstance(components, list) or not set(components) <= set(COMPONENTS):
        return f"components: a list of {', '.join(COMPONENTS)}"
    interval = config.get("interval", 0.5)
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or not 0 < interval <= 10:
        return "interval: seconds between ticks, more than 0 and at most 10"
    environment = config.get("environment", {})
    if not isinstance(environment, dict) or not all(isinstance(v, str) for v in environment.values()):
        return "environment: an object of strings"
    return None


def build(name, config):
    """The component ``name`` (imported here: the API-only server never loads them)."""
    if name == "ecs":
        from offline_aws.live.ecs_agent import EcsAgent

        return EcsAgent(config)
    from offline_aws.live.load_balancer import LoadBalancers

    return LoadBalancers(config)


class Runtime:
    """The components switched on, and the thread that ticks them; thread-safe."""

    def __init__(self):
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        self.config = {}
        self.components = {}
        self.ticks = 0
        self.errors = []

    def configure(self, config):
        problem = check(config)
        if problem:
            raise ValueError(problem)
        self.shutdown()
        if not config:
            return
        config = dict(config)
        config.setdefault("components", list(COMPONENTS))
        config.setdefault("interval", 0.5)
        config.setdefault("environment", {})
        Path(config["state_dir"]).mkdir(parents=True, exist_ok=True)
        with self._lock:
            self.config = config
            # Order matters on the way down: the load balancer stops before the tasks behind it.
            self.components = {name: build(name, config) for name in COMPONENTS if name in config["components"]}
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="offline-aws-live", daemon=True)
            self._thread.start()

    def shutdown(self):
        with self._lock:
            self._stop.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        with self._lock:
            for name in reversed(list(self.components)):
                with contextlib.suppress(Exception):
                    self.components[name].stop()
            self.components = {}
            self.config = {}
            self.ticks = 0
            self.errors = []

    def report(self):
        with self._lock:
            return {
                "config": self.config,
                "ticks": self.ticks,
                "errors": self.errors[-10:],
                **{name: component.report() for name, component in self.components.items()},
            }

    def component(self, name):
        return self.components.get(name)

    def _run(self, stop):
        while not stop.is_set():
            started = time.monotonic()
            for name, component in list(self.components.items()):
                if stop.is_set():
                    return
                try:
                    component.tick()
                except Exception:  # a bad resource must not stop the clock; it is reported
                    error = f"{name}: {traceback.format_exc(limit=4)}"
                    LOG.warning(error)
                    with self._lock:
                        self.errors = (self.errors + [error])[-50:]
            with self._lock:
                self.ticks += 1
            stop.wait(max(0.05, self.config.get("interval", 0.5) - (time.monotonic() - started)))


RUNTIME = Runtime()


def middleware(runtime, app):
    """A WSGI callable: the control endpoint, the reset, everything else to ``app``."""

    def call(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PATH:
            if environ.get("REQUEST_METHOD") == "POST":
                try:
                    config = json.loads(read_body(environ) or b"{}")
                    if config and "endpoint" not in config:
                        config["endpoint"] = f"http://{environ.get('HTTP_HOST', '127.0.0.1')}"
                    runtime.configure(config)
                except ValueError as e:
                    return json_response(start_response, "400 Bad Request", {"error": str(e)})
            return json_response(start_response, "200 OK", runtime.report())
        if path == RESET_PATH:
            runtime.shutdown()
        return app(environ, start_response)

    return call


def install():
    """Wrap moto's WSGI application; switch on from ``OFFLINE_AWS_LIVE``; stop on exit."""
    import atexit
    import signal

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        return middleware(RUNTIME, lambda env, start: dispatch(self, env, start))(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__
    atexit.register(RUNTIME.shutdown)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        RUNTIME.shutdown()
        if callable(previous):
            previous(signum, frame)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    initial = os.environ.get(ENVIRONMENT_VARIABLE)
    if initial:
        config = json.loads(initial)
        config.setdefault("endpoint", os.environ.get("OFFLINE_AWS_SELF", ""))
        RUNTIME.configure(config)


def configure(endpoint, **config):
    """Client side: switch the live components of the server at ``endpoint`` on (or off, with no
    settings); the report after the change."""
    return post(endpoint, CONTROL_PATH, config)


def report(endpoint):
    """Client side: what each component runs (tasks, load balancers, ports)."""
    return get(endpoint, CONTROL_PATH)
