"""CloudWatch evaluates metric alarms from their metric data and moves their state, as AWS does.

moto stores alarms and metric data but never evaluates an alarm: it stays OK whatever the data,
so a deployment that watches alarms passed here on a service answering 500s, and a test had to
set the state by hand. This extension evaluates every metric alarm (one metric, not metric math
or composite alarms) as the CloudWatch user guide's "Evaluating an alarm" describes:

- the statistic (Sum, Average, Minimum, Maximum, SampleCount, or a percentile ``pNN``) of the
  alarm's metric, namespace and exactly its dimensions, per period, over its EvaluationPeriods;
- ALARM when at least DatapointsToAlarm (default EvaluationPeriods) of them breach the threshold
  by the comparison operator; periods without data per TreatMissingData: ``missing`` (default:
  left out; all missing is INSUFFICIENT_DATA), ``notBreaching``, ``breaching``, ``ignore`` (all
  missing keeps the state);
- a state set with SetAlarmState holds until the alarm's next evaluation period, then the alarm
  returns to what its data says (SetAlarmState reference: "the alarm ... returns to its actual
  state ... the next time the alarm evaluates").

On a short clock: ``speedup`` divides every period (a 60 s period lasts 60/speedup wall seconds),
so an alarm of three 60 s periods with speedup 6 decides within 30 s. Off until told, because a
test that sets a state by hand must keep it: ``POST /moto-api/alarm-evaluation`` with
``{"speedup": 6, "interval": 1}`` (``{}`` switches it off; GET reports the configuration and the
evaluations made), or the server's ``OFFLINE_AWS_ALARM_EVALUATION`` environment variable (same JSON)
for a whole run. ``POST /moto-api/reset`` switches it off. Alarm actions are not run (moto has no
action targets that act); the state, reason and history are what AWS reports.
"""

import contextlib
import datetime
import json
import math
import os
import threading

from offline_aws.extensions._control import get, json_response, post, read_body

CONTROL_PATH = "/moto-api/alarm-evaluation"
RESET_PATH = "/moto-api/reset"
ENVIRONMENT_VARIABLE = "OFFLINE_AWS_ALARM_EVALUATION"

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def check(config):
    """The reason ``config`` is refused, or None."""
    if not isinstance(config, dict):
        return "the configuration is a JSON object"
    unknown = sorted(set(config) - {"speedup", "interval"})
    if unknown:
        return f"unknown settings: {', '.join(unknown)} (speedup, interval)"
    for key in ("speedup", "interval"):
        value = config.get(key, 1)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            return f"{key}: a positive number"
    return None


def statistic(values, aggregated, name):
    """One period's statistic from raw values and statistic sets (sum, min, max, count); None if no data."""
    count = len(values) + sum(a["count"] for a in aggregated)
    if not count:
        return None
    if name == "SampleCount":
        return float(count)
    if name == "Sum":
        return float(sum(values) + sum(a["sum"] for a in aggregated))
    if name == "Average":
        return float(sum(values) + sum(a["sum"] for a in aggregated)) / count
    if name == "Minimum":
        return float(min(list(values) + [a["min"] for a in aggregated]))
    if name == "Maximum":
        return float(max(list(values) + [a["max"] for a in aggregated]))
    if name.startswith("p"):
        # Percentiles need every value: statistic sets cannot give them (AWS: neither).
        if not values:
            return None
        ordered = sorted(values)
        rank = math.ceil(float(name[1:]) / 100 * len(ordered))
        return float(ordered[max(rank, 1) - 1])
    raise ValueError(f"unknown statistic {name}")


def decide(datapoints, alarm):
    """(state, breaching count, considered datapoints) for one alarm from its periods' values (None = missing)."""
    periods = len(datapoints)
    needed = alarm["datapoints_to_alarm"] or periods
    treat = alarm["treat_missing_data"] or "missing"
    compare = COMPARISONS[alarm["comparison"]]
    present = [value for value in datapoints if value is not None]
    missing = periods - len(present)
    breaching = sum(1 for value in present if compare(value, alarm["threshold"]))
    if treat == "breaching":
        breaching += missing
    if not present and treat in ("missing", "ignore"):
        return (None if treat == "ignore" else "INSUFFICIENT_DATA"), 0, present
    if breaching >= needed:
        return "ALARM", breaching, present
    return "OK", breaching, present


class Evaluator:
    """The configuration, the evaluation thread and what it did; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self.config = {}
        self.evaluations = 0
        self.transitions = 0
        self.manual = {}  # (account, region, alarm name) -> wall time of the last SetAlarmState

    def configure(self, config):
        problem = check(config)
        if problem:
            raise ValueError(problem)
        with self._lock:
            self.config = dict(config)
            self.evaluations = self.transitions = 0
            self.manual = {}
            if self.config and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="alarm-evaluation", daemon=True)
                self._thread.start()
        self._wake.set()

    def report(self):
        with self._lock:
            return {"config": self.config, "evaluations": self.evaluations, "transitions": self.transitions}

    def note_manual_state(self, key):
        with self._lock:
            self.manual[key] = _now()

    def _run(self):
        while True:
            config = self.config
            if not config:
                return
            # A bad alarm must not stop the others' clock.
            with contextlib.suppress(Exception):
                self.evaluate_all(config.get("speedup", 1))
            self._wake.wait(config.get("interval", 1))
            self._wake.clear()

    def evaluate_all(self, speedup):
        from moto.cloudwatch.models import cloudwatch_backends

        for account, regions in list(cloudwatch_backends.items()):
            for region, backend in list(regions.items()):
                for alarm in list(backend.alarms.values()):
                    if alarm.metric_name and alarm.rule is None and alarm.comparison_operator in COMPARISONS:
                        self.evaluate(backend, alarm, (account, region, alarm.name), speedup)

    def evaluate(self, backend, alarm, key, speedup):
        window = alarm.period / speedup
        now = _now()
        with self._lock:
            self.evaluations += 1
            manual = self.manual.get(key)
        if manual is not None and now - manual < window:
            return
        name = alarm.extended_statistic or alarm.statistic
        wanted = {(d.name, d.value) for d in alarm.dimensions}
        data = [
            m
            for m in list(backend.metric_data)
            if m.namespace == alarm.namespace
            and m.name == alarm.metric_name
            and {(d.name, d.value) for d in m.dimensions} == wanted
        ]
        datapoints, starts = [], []
        for index in range(alarm.evaluation_periods, 0, -1):
            start, end = now - index * window, now - (index - 1) * window
            inside = [m for m in data if start <= _seconds(m.timestamp) < end]
            values = [m.value for m in inside if hasattr(m, "value")]
            aggregated = [
                {"sum": m.sum_stat, "min": m.min_stat, "max": m.max_stat, "count": m.sample_count}
                for m in inside
                if hasattr(m, "sample_count")
            ]
            datapoints.append(statistic(values, aggregated, name))
            starts.append(start)
        settings = {
            "datapoints_to_alarm": alarm.datapoints_to_alarm,
            "treat_missing_data": alarm.treat_missing_data,
            "comparison": alarm.comparison_operator,
            "threshold": float(alarm.threshold),
        }
        state, breaching, present = decide(datapoints, settings)
        if state is None or state == alarm.state_value:
            return
        reason, reason_data = describe(alarm, settings, datapoints, starts, breaching, state)
        alarm.update_state(reason, reason_data, state)
        with self._lock:
            self.transitions += 1


def describe(alarm, settings, datapoints, starts, breaching, state):
    """StateReason and StateReasonData in the shape CloudWatch writes them."""
    shown = [
        f"{value} ({_stamp(start)})"
        for value, start in zip(reversed(datapoints), reversed(starts), strict=True)
        if value is not None
    ]
    periods = len(datapoints)
    needed = settings["datapoints_to_alarm"] or periods
    if state == "INSUFFICIENT_DATA":
        reason = f"Insufficient Data: {periods} datapoint{'s were' if periods != 1 else ' was'} unknown."
    else:
        verb = "was" if breaching == 1 else "were"
        what = WORDS[settings["comparison"]] if state == "ALARM" else "not " + WORDS[settings["comparison"]]
        count = breaching if state == "ALARM" else periods - breaching
        reason = (
            f"Threshold Crossed: {count} out of the last {periods} datapoints [{', '.join(shown)}] {verb} {what} "
            f"the threshold ({settings['threshold']}) (minimum {needed} datapoint"
            f"{'s' if needed != 1 else ''} for {alarm.state_value} -> {state} transition)."
        )
    data = {
        "version": "1.0",
        "queryDate": _stamp(_now(), precise=True),
        "statistic": alarm.extended_statistic or alarm.statistic,
        "period": alarm.period,
        "recentDatapoints": [value for value in datapoints if value is not None],
        "threshold": settings["threshold"],
        "evaluatedDatapoints": [
            {"timestamp": _stamp(start, precise=True), "value": value}
            for value, start in zip(datapoints, starts, strict=True)
            if value is not None
        ],
    }
    return reason, json.dumps(data)


def _seconds(moment):
    """A datum's timestamp in wall seconds (moto keeps them naive, in UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _now():
    return datetime.datetime.now(datetime.UTC).timestamp()


def _stamp(seconds, precise=False):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000") if precise else moment.strftime("%d/%m/%y %H:%M:%S")


def middleware(evaluator, app):
    """A WSGI callable: the control endpoint, the reset, everything else to ``app``."""

    def call(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PATH:
            if environ.get("REQUEST_METHOD") == "POST":
                try:
                    evaluator.configure(json.loads(read_body(environ) or b"{}"))
                except ValueError as e:
                    return json_response(start_response, "400 Bad Request", {"error": str(e)})
            return json_response(start_response, "200 OK", evaluator.report())
        if path == RESET_PATH:
            evaluator.configure({})
        return app(environ, start_response)

    return call


EVALUATOR = Evaluator()


def apply():
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        return middleware(EVALUATOR, lambda env, start: dispatch(self, env, start))(environ, start_response)

    DomainDispatcherApplication.__call__ = __call__

    set_alarm_state = CloudWatchBackend.set_alarm_state

    def set_alarm_state_held(self, alarm_name, reason, reason_data, state_value):
        set_alarm_state(self, alarm_name, reason, reason_data, state_value)
        EVALUATOR.note_manual_state((self.account_id, self.region_name, alarm_name))

    CloudWatchBackend.set_alarm_state = set_alarm_state_held

    initial = os.environ.get(ENVIRONMENT_VARIABLE)
    if initial:
        EVALUATOR.configure(json.loads(initial))


def configure(endpoint, **config):
    """Client side, for tests and the local stack: set the alarm evaluation of the server at ``endpoint``
    (no settings switch it off). Returns the report of the configuration it replaces."""
    return post(endpoint, CONTROL_PATH, config)


def report(endpoint):
    """Client side: the configuration and how many evaluations and state changes it made."""
    return get(endpoint, CONTROL_PATH)
