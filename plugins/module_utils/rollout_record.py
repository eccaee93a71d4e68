# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a rollout keeps in AWS besides the weights: its progress and its lock, as listener rule tags.

The runner may die at any moment (a killed ansible-playbook, a lost CI runner); the next run must
find in AWS what the dead one was doing. Both records are tags on the listener rule, written with
AddTags and read with DescribeTags (the rule's tags are read anyway for the previous colour):

- progress: the step being watched (percent of traffic on the new colour, or ``rollback``), the
  colour and task definition it rolls out, when the step began and how long it must be watched.
  Written when a step's weights are set, removed once the last step's watch passed or the rollback
  is complete. A re-run that finds it resumes the interrupted watch (only the time left of it,
  alarms checked first) or completes the interrupted rollback.
- lock: who runs the rollout (host, process, a random id) and until when the lease holds. A run
  renews it while it waits; a run that dies stops renewing and the lock expires. A second run
  refuses to start while an unexpired lock is held by someone else; ``break_lock`` takes it anyway.

Tag values are limited to letters, digits, spaces and ``_ . : / = + - @`` (ELBv2 AddTags), so
times are ISO 8601 and each field is a tag of its own. ELBv2 has no conditional write: the lock is
checked again after it is written, which catches two runs that start together but is not a
compare-and-swap.
"""

import datetime
import os
import socket
import uuid

from ansible_collections.mlops.aws_deploy.plugins.module_utils import traffic
from ansible_collections.mlops.aws_deploy.plugins.module_utils.rollout import ROLLING_BACK

PREFIX = "ecs_blue_green:"
STEP_TAG = PREFIX + "step"
COLOR_TAG = PREFIX + "step_color"
TASK_DEFINITION_TAG = PREFIX + "step_task_definition"
STARTED_TAG = PREFIX + "step_started"
HOLD_TAG = PREFIX + "step_hold"
PROGRESS_TAGS = (STEP_TAG, COLOR_TAG, TASK_DEFINITION_TAG, STARTED_TAG, HOLD_TAG)

LOCK_OWNER_TAG = PREFIX + "lock_owner"
LOCK_EXPIRES_TAG = PREFIX + "lock_expires"
LOCK_TAGS = (LOCK_OWNER_TAG, LOCK_EXPIRES_TAG)


# When the colour that served before a cut-over may be scaled to 0 (termination_wait after it): the
# run that cut over leaves it running and records this; the next run scales it down once it is due.
SCALE_DOWN_COLOR_TAG = PREFIX + "scale_down_color"
SCALE_DOWN_AFTER_TAG = PREFIX + "scale_down_after"
SCALE_DOWN_TAGS = (SCALE_DOWN_COLOR_TAG, SCALE_DOWN_AFTER_TAG)


def iso(seconds):
    moment = datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(value):
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def short_task_definition(arn):
    """family:revision of a task definition ARN (what fits a tag and a message)."""
    return arn.rsplit("/", 1)[-1] if arn else arn


# ---------------------------------------------------------------- progress


def progress_tags(step, color, task_definition, started, hold):
    """The tags of a step: ``step`` is the percent on ``color`` or ROLLING_BACK; ``started`` wall seconds."""
    return {
        STEP_TAG: str(step),
        COLOR_TAG: color,
        TASK_DEFINITION_TAG: short_task_definition(task_definition),
        STARTED_TAG: iso(started),
        HOLD_TAG: str(int(hold)),
    }


def parse_progress(tags):
    """{"step" (int percent or ROLLING_BACK), "color", "task_definition", "started", "hold"} or None."""
    if STEP_TAG not in tags:
        return None
    step = tags[STEP_TAG]
    if step != ROLLING_BACK:
        try:
            step = int(step)
        except ValueError:
            return None
    try:
        hold = int(tags.get(HOLD_TAG, "0"))
    except ValueError:
        hold = 0
    return {
        "step": step,
        "color": tags.get(COLOR_TAG),
        "task_definition": tags.get(TASK_DEFINITION_TAG),
        "started": parse_iso(tags.get(STARTED_TAG)),
        "hold": hold,
    }


def progress_of(progress, task_definition):
    """The progress record if it is about ``task_definition`` (ARN), else None."""
    if progress and task_definition and progress["task_definition"] == short_task_definition(task_definition):
        return progress
    return None


def remaining_hold(progress, percent, hold, now):
    """Seconds the interrupted step at ``percent`` must still be watched (``hold`` when unknown)."""
    if not progress or progress["step"] != percent or progress["started"] is None:
        return hold  # the step's start was not recorded: watch it whole
    return max(0, min(hold, int(round(progress["started"] + progress["hold"] - now))))


# ---------------------------------------------------------------- deferred scale-down


def scale_down_tags(color, after):
    return {SCALE_DOWN_COLOR_TAG: color, SCALE_DOWN_AFTER_TAG: iso(after)}


def parse_scale_down(tags):
    """{"color", "after" (wall seconds)} or None when no deferred scale-down is recorded."""
    if tags.get(SCALE_DOWN_COLOR_TAG) not in ("blue", "green"):
        return None
    return {"color": tags[SCALE_DOWN_COLOR_TAG], "after": parse_iso(tags.get(SCALE_DOWN_AFTER_TAG)) or 0}


def scale_down_pending(record, idle, now):
    """The record when it defers the scale-down of ``idle`` to a moment still to come, else None."""
    if record and record["color"] == idle and record["after"] > now:
        return record
    return None


# ---------------------------------------------------------------- lock


def new_owner():
    """Who this run is, for a human reading the refusal: host, process id and a random id."""
    return f"{socket.gethostname()[:64]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def parse_lock(tags):
    """{"owner", "expires" (wall seconds)} or None when no lock is recorded."""
    if LOCK_OWNER_TAG not in tags:
        return None
    return {"owner": tags[LOCK_OWNER_TAG], "expires": parse_iso(tags.get(LOCK_EXPIRES_TAG)) or 0}


def lock_tags(owner, expires):
    return {LOCK_OWNER_TAG: owner, LOCK_EXPIRES_TAG: iso(expires)}


def held_by_other(lock, owner, now):
    """True when ``lock`` is held, unexpired, by someone other than ``owner``."""
    return bool(lock) and lock["owner"] != owner and lock["expires"] > now


def describe_lock(lock, now):
    return f"{lock['owner']} until {iso(lock['expires'])} ({max(0, int(lock['expires'] - now))} s from now)"


# ---------------------------------------------------------------- AWS


def add_tags(elbv2, rule_arn, tags):
    elbv2.add_tags(
        aws_retry=True, ResourceArns=[rule_arn], Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    )


def remove_tags(elbv2, rule_arn, keys):
    elbv2.remove_tags(aws_retry=True, ResourceArns=[rule_arn], TagKeys=sorted(keys))


class LockHeld(Exception):
    """Another run holds the rollout's lock; ``lock`` is what AWS records."""

    def __init__(self, lock):
        super().__init__(lock["owner"] if lock else "unknown")
        self.lock = lock


class Lease:
    """This run's lock on the rollout: taken before the first change, renewed while it waits, released at the end.

    ``clock`` is the rollout's Clock; ``ttl`` the seconds a lease holds without renewal (a dead
    owner's lock is free after at most that long).
    """

    def __init__(self, elbv2, rule_arn, clock, ttl, owner=None):
        self.elbv2 = elbv2
        self.rule_arn = rule_arn
        self.clock = clock
        self.ttl = ttl
        self.owner = owner or new_owner()
        self.expires = None
        self.renewals = 0

    def acquire(self, recorded, break_lock=False):
        """Take the lock; ``recorded`` is the lock read with the rule's tags. Returns the lock it replaced.

        Raises LockHeld when another run holds an unexpired lock (unless ``break_lock``), or when
        the check after writing finds another owner (two runs started together).
        """
        now = self.clock.wall()
        if held_by_other(recorded, self.owner, now) and not break_lock:
            raise LockHeld(recorded)
        self._write(now)
        seen = parse_lock(traffic.rule_tags(self.elbv2, self.rule_arn))
        if not seen or seen["owner"] != self.owner:
            self.expires = None
            raise LockHeld(seen)
        self.clock.keep_alive(self.renew_if_due, max(1, self.ttl // 3))
        return recorded if recorded and recorded["owner"] != self.owner else None

    def _write(self, now):
        self.expires = now + self.ttl
        add_tags(self.elbv2, self.rule_arn, lock_tags(self.owner, self.expires))

    def renew_if_due(self):
        """Renew (one AddTags) once a third of the lease is gone: a live run's lock never has less than 2/3 left."""
        if self.expires is not None and self.clock.wall() >= self.expires - 2 * self.ttl / 3.0:
            self._write(self.clock.wall())
            self.renewals += 1

    def release(self):
        if self.expires is None:
            return
        self.expires = None
        self.clock.keep_alive(lambda: None, 3600)
        remove_tags(self.elbv2, self.rule_arn, LOCK_TAGS)
