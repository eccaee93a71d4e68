# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout of a blue/green deployment as plain data: colours, weight steps, the timeline.

Nothing here calls AWS. ``ecs_blue_green`` reads the current state (``traffic``, ``ecs``),
asks this file what to do (``decide``, ``weight_steps``), does it, and records each step in a
``Timeline``. Every wait of the rollout goes through one ``Clock`` (monotonic time), so a bake
time or an interval is bounded and unit tests can replace the clock.
"""

import datetime
import math
import time

COLORS = ("blue", "green")
STRATEGIES = ("all_at_once", "canary", "linear")

# What a run does, from the current state in AWS (see decide()).
NOOP = "none"  # the requested task definition is live at 100%, nothing left over
DEPLOY = "deploy"  # put the new task definition on the idle colour and shift traffic to it
RESUME = "resume"  # a shift to the requested task definition was interrupted: finish it
RESTORE = "restore"  # weights are split but the live colour already runs the request: move all back
FINISH = "finish"  # cut-over done and watched, but the previous colour still runs or still has the autoscaling
ROLLBACK = "rollback"  # state=rolled_back: move traffic to the previous colour
COMPLETE_ROLLBACK = "complete_rollback"  # a run died rolling back: finish its rollback, then fail as it would have

# The progress record's step while a failed deployment moves traffic back (rollout_record.ROLLING_BACK).
ROLLING_BACK = "rollback"


class BlueGreenError(Exception):
    """Bad input or a missing resource found while reading the current state: fail before any change."""


class DeploymentFailure(Exception):
    """A step of the rollout failed; the module moves traffic back and fails with ``reason``."""

    def __init__(self, reason, observation=None):
        super().__init__(reason)
        self.reason = reason
        self.observation = observation or {}


def other(color):
    return "green" if color == "blue" else "blue"


def percent_weights(weights):
    """ALB weights (0-999 each) as percentages of traffic per colour, summing to 100."""
    total = sum(weights.get(c, 0) for c in COLORS)
    if total <= 0:
        return {"blue": 0, "green": 0}
    blue = int(round(100.0 * weights.get("blue", 0) / total))
    return {"blue": blue, "green": 100 - blue}


def weights_for(color, percent):
    """Weights that send ``percent`` of traffic to ``color`` and the rest to the other colour."""
    percent_of = {color: percent, other(color): 100 - percent}
    return {c: percent_of[c] for c in COLORS}


def live_color(weights):
    """The colour that takes most of the traffic (blue on an exact split); weights in percent."""
    return "green" if weights["green"] > weights["blue"] else "blue"


def weight_steps(strategy, canary_percent=10, step_percent=10, start=0):
    """Percentages of traffic on the new colour after each step, above ``start``, ending at 100.

    all_at_once -> [100]; canary 10 -> [10, 100]; linear 25 -> [25, 50, 75, 100].
    """
    if strategy == "canary":
        steps = [canary_percent, 100]
    elif strategy == "linear":
        count = int(math.ceil(100.0 / step_percent))
        steps = [min(100, step_percent * i) for i in range(1, count + 1)]
    else:
        steps = [100]
    return [s for s in steps if s > start]


def hold_times(steps, interval, bake_time):
    """How long each step is watched: ``interval`` between steps, ``bake_time`` after the last."""
    return [bake_time if i == len(steps) - 1 else interval for i in range(len(steps))]


def decide(state, target_arn):
    """What a deploy does, from the colours' task definitions, the rule's weights and the progress record.

    ``state``: {"weights": {blue, green} in percent, "colors": {c: {"task_definition",
    "desired_count", "autoscaling"}}, "previous_color": colour recorded on the rule when the last
    shift began, or None, "progress": the record of the step being watched (rollout_record:
    {"step": percent or "rollback", "color", ...}) when it is about ``target_arn``, else None}.
    ``target_arn`` is the requested task definition (None when it is yet to be registered: then no
    colour holds it). Returns ``action``, ``live_color`` (the colour that serves when the run
    starts, and takes the traffic back on a rollback), ``new_color`` and ``start`` (percent already
    on the new colour); ``restore_first`` when the weights must first go back to the live colour.

    A progress record means a run died before its watch ended: all traffic on the requested task
    definition with the previous colour still running is then not a finished cut-over but a bake
    to resume (RESUME at 100), and a record of a rollback is a rollback to complete.
    """
    weights = state["weights"]
    colors = state["colors"]
    progress = state.get("progress")
    holds_target = [c for c in COLORS if target_arn and colors[c]["task_definition"] == target_arn]
    split = 0 < weights["blue"] < 100
    if progress and progress.get("color") in holds_target:
        new = progress["color"]
        if progress["step"] == ROLLING_BACK:
            return {"action": COMPLETE_ROLLBACK, "live_color": other(new), "new_color": new, "start": weights[new]}
        if weights[new] == 100 and not split:
            return {"action": RESUME, "live_color": other(new), "new_color": new, "start": 100}
    if split and len(holds_target) == 1:
        new = holds_target[0]
        if state.get("previous_color") == new:
            # The interrupted shift was moving away from the requested task definition: move back.
            return {"action": RESTORE, "live_color": new, "new_color": new, "start": weights[new]}
        # A shift to the requested task definition was interrupted: finish it (or roll it back).
        return {"action": RESUME, "live_color": other(new), "new_color": new, "start": weights[new]}
    if split and not holds_target and state.get("previous_color") in COLORS:
        # An interrupted shift to something else: the colour that served before it is the safe one.
        live = state["previous_color"]
    else:
        live = live_color(weights)
    idle = other(live)
    if target_arn and colors[live]["task_definition"] == target_arn:
        if split:
            return {"action": RESTORE, "live_color": live, "new_color": live, "start": weights[live]}
        if colors[idle]["desired_count"] > 0 or colors[idle]["autoscaling"]:
            return {"action": FINISH, "live_color": live, "new_color": live, "start": 100}
        return {"action": NOOP, "live_color": live, "new_color": live, "start": 100}
    return {"action": DEPLOY, "live_color": live, "new_color": idle, "start": 0, "restore_first": split}


def decide_rollback(state):
    """What ``state=rolled_back`` does: move all traffic to the colour that served before the last shift.

    That colour is the one recorded on the rule when the shift began; without the record, the
    colour with less traffic. Returns ``action`` (ROLLBACK, FINISH or NOOP), ``live_color`` (serving
    now), ``new_color`` (the colour that will serve) and a ``reason`` when there is nothing to do.
    """
    weights = state["weights"]
    colors = state["colors"]
    live = live_color(weights)
    target = state.get("previous_color")
    if target not in COLORS:
        target = other(live)
        if colors[target]["task_definition"] == colors[live]["task_definition"]:
            return {"action": NOOP, "live_color": live, "new_color": live,
                    "reason": "both colours run the same task definition: there is nothing to roll back to"}
    if weights[target] == 100:
        if colors[other(target)]["desired_count"] > 0 or colors[other(target)]["autoscaling"]:
            return {"action": FINISH, "live_color": target, "new_color": target}
        return {"action": NOOP, "live_color": target, "new_color": target,
                "reason": f"traffic is already on the previous colour ({target})"}
    return {"action": ROLLBACK, "live_color": other(target), "new_color": target}


def worst_case_duration(plan, wait_timeout, health_timeout):
    """Seconds the plan's run can last at most: the waits for the new colour, then every step's watch.

    The scale-up waits (ECS stability up to ``wait_timeout``, then healthy targets up to
    ``health_timeout``) are counted in full when the run scales a colour up (deploy, resume,
    rollback); then each step's hold, and what is left of an interrupted step. API calls and a
    rollback after a failure take seconds, not minutes, and are not counted. The previous colour's
    scale-down is never waited for (it is recorded, see ``termination_wait``).
    """
    scales_up = plan["action"] in (DEPLOY, RESUME, ROLLBACK)
    holds = [step["hold"] for step in plan["steps"]]
    if plan.get("resume_watch"):
        holds.insert(0, plan["resume_watch"]["hold"])
    duration = {
        "stable_wait": wait_timeout if scales_up else 0,
        "health_wait": health_timeout if scales_up else 0,
        "watches": holds,
    }
    duration["total"] = duration["stable_wait"] + duration["health_wait"] + sum(holds)
    return duration


def describe_duration(duration):
    parts = []
    if duration["stable_wait"]:
        parts.append(f"ECS stability wait {duration['stable_wait']} s")
    if duration["health_wait"]:
        parts.append(f"target health wait {duration['health_wait']} s")
    if any(duration["watches"]):
        parts.append(f"steps watched {' + '.join(str(h) for h in duration['watches'])} s")
    return f"{duration['total']} s ({', '.join(parts) or 'no wait'})"


def required_healthy(desired_count, min_healthy_percent):
    """Healthy targets a colour needs: ceil(desired * min_healthy_percent / 100), at least 1."""
    if desired_count <= 0:
        return 0
    return max(1, int(math.ceil(desired_count * min_healthy_percent / 100.0)))


class Clock:
    """The one time source of a rollout: monotonic for durations, wall time derived from it.

    ``keep_alive(callback, every)`` makes every sleep wake at least each ``every`` seconds to call
    ``callback`` (the rollout's lock lease is renewed that way through every wait).
    """

    def __init__(self):
        self._start_monotonic = time.monotonic()
        self._start_wall = datetime.datetime.now(datetime.timezone.utc)
        self._keep_alive = None

    def now(self):
        return time.monotonic()

    def keep_alive(self, callback, every):
        self._keep_alive = (callback, max(1, every))

    def sleep(self, seconds):
        while seconds > 0:
            chunk = min(seconds, self._keep_alive[1]) if self._keep_alive else seconds
            self._nap(chunk)
            seconds -= chunk
            if self._keep_alive:
                self._keep_alive[0]()

    def _nap(self, seconds):
        time.sleep(seconds)

    def elapsed(self):
        return self.now() - self._start_monotonic

    def wall(self):
        """Seconds since the epoch, as the rollout's monotonic clock sees them."""
        return self._start_wall.timestamp() + self.elapsed()

    def timestamp(self):
        moment = self._start_wall + datetime.timedelta(seconds=self.elapsed())
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def watch(clock, hold, poll_interval, check):
    """Call ``check()`` now and every ``poll_interval`` seconds until ``hold`` seconds have passed.

    ``check`` returns an observation dict with a ``problem`` key (None when all is well). Returns
    the first observation with a problem, or the last one; the number of checks is in ``checks``.
    Bounded: at most ceil(hold / poll_interval) + 1 checks.
    """
    deadline = clock.now() + max(0, hold)
    checks = 0
    while True:
        observation = check()
        checks += 1
        observation["checks"] = checks
        if observation.get("problem"):
            return observation
        remaining = deadline - clock.now()
        if remaining <= 0:
            return observation
        clock.sleep(min(poll_interval, remaining))


class Timeline:
    """What happened, step by step: time, weights, health, alarms and the decision taken."""

    def __init__(self, clock):
        self.clock = clock
        self.entries = []

    def add(self, phase, decision, weights=None, health=None, alarms=None, detail=None, **extra):
        entry = {
            "time": self.clock.timestamp(),
            "elapsed": round(self.clock.elapsed(), 3),
            "phase": phase,
            "decision": decision,
        }
        if weights is not None:
            entry["weights"] = dict(weights)
        if health is not None:
            entry["health"] = health
        if alarms is not None:
            entry["alarms"] = alarms
        if detail:
            entry["detail"] = detail
        entry.update(extra)
        self.entries.append(entry)
        return entry
