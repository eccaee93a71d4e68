#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402, SIM105 (ansible-test layout: imports follow the documentation strings)

DOCUMENTATION = r"""
---
module: cloudwatch_logs_query
short_description: Read CloudWatch Logs events for a time window, or run a Logs Insights query
version_added: 0.1.0
description:
  - Without O(query), returns the events of O(log_groups) between O(start_time) and O(end_time)
    that match O(filter_pattern) (FilterLogEvents), each with its JSON message parsed.
  - With O(query), runs that Logs Insights query over the same window (StartQuery) and waits up to
    O(wait_timeout) seconds for its rows (GetQueryResults).
  - Reads only, so it runs in check mode too and never reports a change. A query still counts
    against the account's concurrent Insights queries and is billed by the data it scans.
  - No collection reads log events or runs Insights queries
    (M(amazon.aws.cloudwatchlogs_log_group_info) lists groups only).
author:
  - mlops.aws_deploy maintainers (@mlops-aws-deploy)
options:
  log_groups:
    description:
      - The log groups to read, by name.
      - An Insights query reads at most 50 log groups.
    type: list
    elements: str
    required: true
  start_time:
    description:
      - Where the window starts. V(now), a time before now as V(-<N>s), V(-<N>m), V(-<N>h) or V(-<N>d)
        (V(-15m) is a quarter of an hour ago), or an ISO 8601 time (UTC unless it says otherwise).
    type: str
    default: "-15m"
  end_time:
    description:
      - Where the window ends, in the same forms as O(start_time).
    type: str
    default: now
  filter_pattern:
    description:
      - A CloudWatch Logs filter pattern for the events, for example V({ $.status >= 500 }) on the
        services' JSON lines, or V(ERROR).
      - Not with O(query) (filter in the query).
    type: str
  log_stream_name_prefix:
    description:
      - Only the log streams whose names begin with this (for an ECS service, V(<service>/)).
      - Not with O(query).
    type: str
  query:
    description:
      - A Logs Insights query, for example
        V(stats pct(duration_ms, 95\) as p95 by bin(5m\)).
    type: str
  limit:
    description:
      - At most this many events, or rows of the query (the query's own C(limit) may be lower).
      - When more events match, RV(truncated) is true (narrow the window or the filter).
    type: int
    default: 100
  wait_timeout:
    description:
      - How long to wait, in seconds, for the query to complete.
    type: int
    default: 60
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Server errors of the backend in the last hour
  mlops.aws_deploy.cloudwatch_logs_query:
    log_groups: [/ecs/mobileml-prod/backend]
    start_time: "-1h"
    filter_pattern: "{ $.status >= 500 }"
  register: errors

- name: Latency percentiles per path over the last day
  mlops.aws_deploy.cloudwatch_logs_query:
    log_groups: [/ecs/mobileml-prod/ml]
    start_time: "-1d"
    query: >-
      filter ispresent(duration_ms)
      | stats pct(duration_ms, 50) as p50, pct(duration_ms, 95) as p95, pct(duration_ms, 99) as p99 by path
  register: latency
"""

RETURN = r"""
window:
  description: The window read, as ISO 8601 times.
  returned: always
  type: dict
  sample: {"start": "2026-12-01T10:00:00.000+00:00", "end": "2026-12-01T10:15:00.000+00:00"}
events:
  description: The matching events in time order (without O(query)).
  returned: when O(query) is not given
  type: list
  elements: dict
  contains:
    log_group_name:
      description: The event's log group.
      type: str
      sample: /ecs/mobileml-prod/backend
    log_stream_name:
      description: The event's log stream.
      type: str
      sample: backend/backend/4f1c2a
    timestamp:
      description: When the event happened.
      type: str
      sample: "2026-12-01T10:03:12.345+00:00"
    message:
      description: The event as logged.
      type: str
      sample: '{"level": "INFO", "message": "request", "status": 200, "duration_ms": 1.2}'
    fields:
      description: The message parsed, where it is a JSON object.
      type: dict
      returned: when the message is a JSON object
      sample: {"level": "INFO", "message": "request", "status": 200, "duration_ms": 1.2}
truncated:
  description: Whether more events matched than O(limit).
  returned: when O(query) is not given
  type: bool
  sample: false
query_id:
  description: The Insights query's id.
  returned: when O(query) is given
  type: str
  sample: 12ab3456-12ab-123a-789e-1234567890ab
rows:
  description: The query's rows, each a dict of its fields (without C(@ptr)).
  returned: when O(query) is given
  type: list
  elements: dict
  sample: [{"path": "/predict", "p50": "1.2", "p95": "3.4", "p99": "8.9"}]
statistics:
  description: What the query scanned (AWS's fields in snake_case).
  returned: when O(query) is given
  type: dict
  sample: {"records_matched": 120.0, "records_scanned": 480.0, "bytes_scanned": 96000.0}
"""

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.mlops.aws_deploy.plugins.module_utils import logs
from ansible_collections.mlops.aws_deploy.plugins.module_utils import retries

QUERY_POLL_SECONDS = 1
MAX_QUERY_LOG_GROUPS = 50
MAX_QUERY_ROWS = 10000


def read_window(module):
    now = datetime.datetime.now(datetime.timezone.utc)
    window = {}
    for option in ("start_time", "end_time"):
        try:
            window[option] = logs.parse_time(module.params[option], now)
        except ValueError as e:
            module.fail_json(msg=f"{option}: {e}")
    if window["start_time"] >= window["end_time"]:
        module.fail_json(msg=f"start_time: {module.params['start_time']} is not before end_time {module.params['end_time']}")
    return window["start_time"], window["end_time"]


def run_query(module, client, start, end):
    params = module.params
    query_id = logs.start_query(client, params["log_groups"], start, end, params["query"], params["limit"])
    attempts = max(1, params["wait_timeout"] // QUERY_POLL_SECONDS)
    status = logs.wait_for_query(client, query_id, QUERY_POLL_SECONDS, attempts)
    if status not in logs.QUERY_DONE:
        # Stop what we started rather than leave it scanning (and billed) after we gave up.
        logs.stop_query(client, query_id)
        module.fail_json(msg=f"The Logs Insights query {query_id} did not complete within {params['wait_timeout']} seconds "
                             "(stopped it): narrow the window or raise wait_timeout", query_id=query_id)
    if status != "Complete":
        module.fail_json(msg=f"The Logs Insights query {query_id} ended {status}: check its syntax and the log groups",
                         query_id=query_id, status=status)
    results = logs.query_results(client, query_id)
    return {
        "query_id": query_id,
        "rows": logs.result_rows(results.get("results", []))[: params["limit"]],
        "statistics": camel_dict_to_snake_dict(results.get("statistics", {})),
    }


def main():
    argument_spec = dict(
        log_groups=dict(type="list", elements="str", required=True),
        start_time=dict(type="str", default="-15m"),
        end_time=dict(type="str", default="now"),
        filter_pattern=dict(type="str"),
        log_stream_name_prefix=dict(type="str"),
        query=dict(type="str"),
        limit=dict(type="int", default=100),
        wait_timeout=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("query", "filter_pattern"), ("query", "log_stream_name_prefix")],
    )
    params = module.params
    if not params["log_groups"]:
        module.fail_json(msg="log_groups: give at least one log group")
    if params["query"] is not None and len(params["log_groups"]) > MAX_QUERY_LOG_GROUPS:
        module.fail_json(msg=f"log_groups: a Logs Insights query reads at most {MAX_QUERY_LOG_GROUPS} log groups")
    if not 1 <= params["limit"] <= MAX_QUERY_ROWS:
        module.fail_json(msg=f"limit: {params['limit']} is not between 1 and {MAX_QUERY_ROWS}")
    if params["wait_timeout"] < 1:
        module.fail_json(msg="wait_timeout: must be at least 1 second")
    start, end = read_window(module)
    window = {"start": logs.iso(start), "end": logs.iso(end)}

    client = retries.client(module, "logs")
    try:
        if params["query"] is not None:
            module.exit_json(changed=False, window=window, **run_query(module, client, start, end))
        events, truncated = logs.filter_events(
            client, params["log_groups"], start, end, params["filter_pattern"], params["log_stream_name_prefix"],
            params["limit"])
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, window=window, events=events, truncated=truncated)


if __name__ == "__main__":
    main()
