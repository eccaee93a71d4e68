"""The AWS/ApplicationELB metrics from HAProxy's request log, straight into moto's CloudWatch.

HAProxy sends one line per request (``haproxy_config.LOG_FORMAT``: frontend, backend, server,
status, Tr in ms) to a UDP socket here; a thread counts them per quarter of a wall-clock second and
puts each finished quarter (a short lag, so that an alarm on a sped-up clock sees its last period)
into the CloudWatch backend of the load balancer's account and region
(counts survive reloads: they live here, not in HAProxy). TargetResponseTime goes as raw values
(with counts) so that a p99 alarm can compute its percentile.
"""

import collections
import contextlib
import datetime
import socket
import threading
import time

NAMESPACE = "AWS/ApplicationELB"
# The codes ALB also counts on their own (HTTPCode_ELB_502_Count, ...), beside HTTPCode_ELB_5XX_Count.
ELB_CODES_OF_THEIR_OWN = (500, 502, 503, 504)
SLICE = 0.25  # seconds per published datum


class AlbMetrics:
    """The log socket and the per-second counts. ``names`` (set by the component) maps HAProxy's
    frontend and backend names to (account, region, dimension value)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(SLICE / 2)
        self.address = "127.0.0.1:%d" % self.socket.getsockname()[1]
        self.names = {}
        self.lines = 0
        self.published = 0
        self._lock = threading.Lock()
        self._seconds = collections.defaultdict(
            list
        )  # wall time, to 1/4 s -> [(frontend, backend, server, status, tr)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alb-metrics", daemon=True)
        self._thread.start()

    def _run(self):
        flushed = time.time()
        while not self._stop.is_set():
            if time.time() - flushed >= SLICE:
                flushed = time.time()
                with contextlib.suppress(Exception):  # a failed put must not stop the log
                    self.flush()
            try:
                data = self.socket.recv(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            fields = data.decode(errors="replace").strip().split()
            if len(fields) < 5:
                continue
            with contextlib.suppress(ValueError), self._lock:
                self._seconds[time.time() // SLICE * SLICE].append(
                    (fields[0], fields[1], fields[2], int(fields[3]), int(fields[4]))
                )
                self.lines += 1

    def flush(self, final=False):
        """Put every finished slice (all of them when ``final``) into CloudWatch."""
        now = time.time() // SLICE * SLICE
        with self._lock:
            done = sorted(second for second in self._seconds if final or second < now)
            batches = [(second, self._seconds.pop(second)) for second in done]
        for second, records in batches:
            self._publish(second, records)

    def _publish(self, second, records):
        from moto.cloudwatch.models import cloudwatch_backends

        counts = collections.Counter()  # (account, region, dimensions, metric) -> count
        times = collections.defaultdict(collections.Counter)  # (account, region, dimensions) -> {seconds: count}
        for frontend, backend, server, status, response_ms in records:
            if frontend not in self.names:
                continue
            account, region, balancer = self.names[frontend]
            by_balancer = (("LoadBalancer", balancer),)
            counts[(account, region, by_balancer, "RequestCount")] += 1
            group = self.names.get(backend) if backend != frontend else None
            from_target = server != "<NOSRV>" and response_ms >= 0
            keys = [by_balancer]
            if group:
                both = (("LoadBalancer", balancer), ("TargetGroup", group[2]))
                alone = (("TargetGroup", group[2]),)
                keys = [by_balancer, both, alone]
                counts[(account, region, both, "RequestCount")] += 1
                counts[(account, region, alone, "RequestCount")] += 1
            if from_target:
                for key in keys:
                    counts[(account, region, key, f"HTTPCode_Target_{status // 100}XX_Count")] += 1
                    times[(account, region, key)][round(response_ms / 1000, 3)] += 1
            elif status >= 400:
                counts[(account, region, by_balancer, f"HTTPCode_ELB_{status // 100}XX_Count")] += 1
                if status in ELB_CODES_OF_THEIR_OWN:
                    counts[(account, region, by_balancer, f"HTTPCode_ELB_{status}_Count")] += 1
            elif 300 <= status < 400 and not group:
                counts[(account, region, by_balancer, "HTTP_Redirect_Count")] += 1
            elif not group:
                counts[(account, region, by_balancer, "HTTP_Fixed_Response_Count")] += 1
        stamp = datetime.datetime.fromtimestamp(second, datetime.UTC).replace(tzinfo=None)
        data = collections.defaultdict(list)
        for (account, region, dimensions, metric), count in counts.items():
            data[(account, region)].append(
                {
                    "MetricName": metric,
                    "Dimensions": _dimensions(dimensions),
                    "Value": float(count),
                    "Timestamp": stamp,
                    "Unit": "Count",
                }
            )
        for (account, region, dimensions), values in times.items():
            data[(account, region)].append(
                {
                    "MetricName": "TargetResponseTime",
                    "Dimensions": _dimensions(dimensions),
                    "Values": list(values),
                    "Counts": [float(c) for c in values.values()],
                    "Timestamp": stamp,
                    "Unit": "Seconds",
                }
            )
        for (account, region), metric_data in data.items():
            cloudwatch_backends[account][region].put_metric_data(NAMESPACE, metric_data)
            self.published += len(metric_data)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()
        with contextlib.suppress(Exception):
            self.flush(final=True)


def _dimensions(pairs):
    return [{"Name": name, "Value": value} for name, value in pairs]
