"""A steady load of real predictions through the local load balancer, for the rollout tests.

``Load(url, api_key, rate)`` posts /api/predict at ``rate`` requests per second from a few threads
(one keep-alive connection each, reopened after an error), from ``start()`` until ``stop()`` or
``max_seconds``, whichever comes first: every loop is bounded in time. A request that finds its
kept-alive connection closed before any answer (the load balancer closed it while idle, e.g. on a
reload) is sent once more on a new connection, as HTTP clients do; those are counted in ``resent``.
Each answer is recorded (wall time, status, seconds, model_version or the error), so a test counts
failures per phase.
"""

import http.client
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass


@dataclass
class Answer:
    at: float
    status: int  # 0: no HTTP answer (connection refused or reset, timeout)
    seconds: float
    model_version: str = ""
    error: str = ""


class Load:
    def __init__(self, url, api_key, features, rate=200, threads=8, max_seconds=600, timeout=10):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.path = f"{parsed.path.rstrip('/')}/api/predict"
        self.body = json.dumps({"features": features}).encode()
        self.headers = {"Content-Type": "application/json", "X-API-Key": api_key}
        self.interval = threads / rate
        self.threads = threads
        self.max_seconds = max_seconds
        self.timeout = timeout
        self.answers = []
        self.resent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = []

    def start(self):
        self.started = time.time()
        for index in range(self.threads):
            worker = threading.Thread(target=self._run, args=(index,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self):
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.timeout + 5)
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self, index):
        deadline = time.monotonic() + self.max_seconds
        next_at = time.monotonic() + index * self.interval / self.threads
        connection = None
        while not self._stop.is_set() and time.monotonic() < deadline:
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            next_at += self.interval
            if connection is None:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                reused = False
            began = time.monotonic()
            at = time.time()
            try:
                try:
                    connection.request("POST", self.path, self.body, self.headers)
                    response = connection.getresponse()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    if not reused:
                        raise
                    connection.close()
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                    with self._lock:
                        self.resent += 1
                    connection.request("POST", self.path, self.body, self.headers)
                    response = connection.getresponse()
                payload = response.read()
                reused = True
                answer = Answer(at, response.status, time.monotonic() - began)
                if response.status == 200:
                    answer.model_version = str(json.loads(payload).get("model_version", ""))
                else:
                    answer.error = payload[:200].decode(errors="replace")
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as e:
                answer = Answer(at, 0, time.monotonic() - began, error=f"{type(e).__name__}: {e}")
                connection.close()
                connection = None
            with self._lock:
                self.answers.append(answer)
        if connection is not None:
            connection.close()

    def between(self, start, end):
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]

    @staticmethod
    def failed(answers):
        return [a for a in answers if a.status != 200]

    def summary(self, answers=None):
        answers = self.answers if answers is None else answers
        failed = self.failed(answers)
        return {
            "requests": len(answers),
            "failed": len(failed),
            "statuses": sorted({a.status for a in answers}),
            "resent_on_a_closed_keep_alive_connection": self.resent,
            "first_failures": [(round(a.at - self.started, 2), a.status, a.error[:120]) for a in failed[:5]],
        }
