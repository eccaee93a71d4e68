# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch Logs reads: a time window, the events of log groups in it (FilterLogEvents), and
Logs Insights queries (StartQuery, then GetQueryResults until the query is Complete)."""

from __future__ import annotations

# ruff: noqa: SIM105 (the optional-import idiom ansible-test expects)

import datetime
import json
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import BOTO_ERRORS
from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import CloudWatchErrorHandler

RELATIVE = re.compile(r"^-(\d+)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What GetQueryResults answers once a query will not change any more.
QUERY_DONE = ("Complete", "Failed", "Cancelled", "Timeout")


def parse_time(value, now):
    """Epoch milliseconds of V(now), V(-15m)/V(-2h)/V(-1d)/V(-30s) before now, or an ISO 8601 time.

    Raises ValueError naming what it accepts.
    """
    text = str(value).strip()
    if text == "now":
        return int(now.timestamp() * 1000)
    relative = RELATIVE.match(text)
    if relative:
        seconds = int(relative[1]) * UNIT_SECONDS[relative[2]]
        return int((now - datetime.timedelta(seconds=seconds)).timestamp() * 1000)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not 'now', -<N>s/m/h/d (e.g. -15m) nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp() * 1000)


def iso(milliseconds):
    return datetime.datetime.fromtimestamp(milliseconds / 1000, datetime.timezone.utc).isoformat(timespec="milliseconds")


def event_summary(group, event):
    """One event in snake_case, with its JSON message (the services log JSON lines) parsed as `fields`."""
    summary = {
        "log_group_name": group,
        "log_stream_name": event.get("logStreamName"),
        "timestamp": iso(event["timestamp"]),
        "message": event.get("message", ""),
    }
    try:
        fields = json.loads(summary["message"])
    except ValueError:
        fields = None
    if isinstance(fields, dict):
        summary["fields"] = fields
    return summary


@CloudWatchErrorHandler.common_error_handler("read the log events of {groups}")
def filter_events(client, groups, start, end, pattern, stream_prefix, limit):
    """The events of every group in [start, end] in time order, at most `limit` (the earliest) in all.

    Returns (events, truncated): truncated is True when more events matched than `limit`.
    """
    events = []
    for group in groups:
        query = {"logGroupName": group, "startTime": start, "endTime": end}
        if pattern:
            query["filterPattern"] = pattern
        if stream_prefix:
            query["logStreamNamePrefix"] = stream_prefix
        events += [event_summary(group, event) for event in _pages(client, query, limit)]
    events.sort(key=lambda event: event["timestamp"])
    return events[:limit], len(events) > limit


def _pages(client, query, limit):
    """FilterLogEvents page by page, stopping once more than `limit` events came: a busy group holds
    millions of events in a window, and a paginator's full result would read them all."""
    count = 0
    token = None
    while True:
        page = client.filter_log_events(aws_retry=True, **query, **({"nextToken": token} if token else {}))
        for event in page.get("events", []):
            count += 1
            yield event
        token = page.get("nextToken")
        if not token or count > limit:
            return


def query_waiter(client, delay, max_attempts):
    """A botocore waiter on GetQueryResults until the query is Complete (Failed/Cancelled/Timeout fail it)."""
    acceptors = [{"state": "success", "matcher": "path", "argument": "status", "expected": "Complete"}]
    acceptors += [{"state": "failure", "matcher": "path", "argument": "status", "expected": state}
                  for state in QUERY_DONE[1:]]
    model = botocore.waiter.WaiterModel({
        "version": 2,
        "waiters": {"QueryComplete": {"operation": "GetQueryResults", "delay": delay,
                                      "maxAttempts": max_attempts, "acceptors": acceptors}},
    })
    return botocore.waiter.create_waiter_with_client("QueryComplete", model, retries.bare_client(client))


@CloudWatchErrorHandler.common_error_handler("start the Logs Insights query on {groups}")
def start_query(client, groups, start, end, query, limit):
    """Start a Logs Insights query over [start, end] (epoch milliseconds); returns its id."""
    return client.start_query(
        aws_retry=True, logGroupNames=groups, startTime=start // 1000, endTime=end // 1000, queryString=query,
        limit=limit,
    )["queryId"]


@CloudWatchErrorHandler.common_error_handler("read the results of Logs Insights query {query_id}")
def wait_for_query(client, query_id, delay, max_attempts):
    """Wait until the query is done; returns its last status (Complete, or why it is not)."""
    try:
        query_waiter(client, delay, max_attempts).wait(queryId=query_id)
    except botocore.exceptions.WaiterError as e:
        return (e.last_response or {}).get("status", "Running")
    return "Complete"


@CloudWatchErrorHandler.common_error_handler("read the results of Logs Insights query {query_id}")
def query_results(client, query_id):
    return client.get_query_results(aws_retry=True, queryId=query_id)


def stop_query(client, query_id):
    """Stop a query we gave up on; False when there was nothing left to stop (it finished in between)."""
    try:
        client.stop_query(aws_retry=True, queryId=query_id)
    except BOTO_ERRORS:
        return False
    return True


def result_rows(results):
    """Insights rows ([{field, value}, ...]) as dicts, without the @ptr handle of each row."""
    return [{cell["field"]: cell.get("value") for cell in row if cell["field"] != "@ptr"} for row in results]
