"""cloudwatch_logs_query with botocore's Stubber: what the offline AWS cannot answer. moto's Logs
Insights does not compute stats (pct(), count() by a field) nor take time to run, so the query
path replays AWS's documented GetQueryResults responses (Running, then Complete with rows and
statistics; Failed; never done). Also: throttling, a bounded read of events. The window's forms:
tests/unit/plugins/module_utils/test_logs.py."""

import datetime

import pytest

from ansible_collections.mlops.aws_deploy.plugins.modules import cloudwatch_logs_query

GROUP = "/ecs/mobileml-prod/ml"
QUERY_ID = "12ab3456-12ab-123a-789e-1234567890ab"
LATENCY = "filter ispresent(duration_ms) | stats pct(duration_ms, 50) as p50, pct(duration_ms, 95) as p95 by path"
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def stub_query_started(stubber):
    from botocore.stub import ANY
    stubber.add_response(
        "start_query", {"queryId": QUERY_ID},
        {"logGroupNames": [GROUP], "startTime": ANY, "endTime": ANY, "queryString": LATENCY, "limit": 100})


def test_a_query_is_waited_for_and_its_rows_come_as_dicts(run_module, stubbed_client):
    stubber = stubbed_client("logs")[1]
    stub_query_started(stubber)
    # AWS's documented shape: Scheduled/Running with no rows, then Complete with rows of {field, value}.
    stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": QUERY_ID})
    complete = {
        "status": "Complete",
        "statistics": {"recordsMatched": 120.0, "recordsScanned": 480.0, "bytesScanned": 96000.0},
        "results": [[{"field": "path", "value": "/predict"}, {"field": "p50", "value": "1.2"},
                     {"field": "p95", "value": "3.4"}, {"field": "@ptr", "value": "CmQKKwo"}]],
    }
    stubber.add_response("get_query_results", complete, {"queryId": QUERY_ID})
    stubber.add_response("get_query_results", complete, {"queryId": QUERY_ID})
    result = run_module(cloudwatch_logs_query, {"log_groups": [GROUP], "query": LATENCY, "start_time": "-1h"})
    assert not result["failed"], result
    assert result["changed"] is False
    assert result["rows"] == [{"path": "/predict", "p50": "1.2", "p95": "3.4"}]
    assert result["statistics"]["records_matched"] == 120.0
    assert result["query_id"] == QUERY_ID
    stubber.assert_no_pending_responses()


def test_a_failed_query_fails_naming_its_status(run_module, stubbed_client):
    stubber = stubbed_client("logs")[1]
    stub_query_started(stubber)
    stubber.add_response("get_query_results", {"status": "Failed", "results": []}, {"queryId": QUERY_ID})
    result = run_module(cloudwatch_logs_query, {"log_groups": [GROUP], "query": LATENCY})
    assert result["failed"]
    assert f"query {QUERY_ID} ended Failed" in result["msg"]


def test_a_query_that_does_not_finish_in_time_is_stopped(run_module, stubbed_client):
    stubber = stubbed_client("logs")[1]
    stub_query_started(stubber)
    for _attempt in range(2):
        stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": QUERY_ID})
    stubber.add_response("stop_query", {"success": True}, {"queryId": QUERY_ID})
    result = run_module(cloudwatch_logs_query, {"log_groups": [GROUP], "query": LATENCY, "wait_timeout": 2})
    assert result["failed"]
    assert "did not complete within 2 seconds (stopped it)" in result["msg"]
    stubber.assert_no_pending_responses()


def test_throttling_and_too_many_running_queries_are_retried(run_module, stubbed_client):
    stubber = stubbed_client("logs")[1]
    stubber.add_client_error("start_query", "LimitExceededException")
    stub_query_started(stubber)
    stubber.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": QUERY_ID})
    stubber.add_client_error("get_query_results", "ThrottlingException")
    stubber.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": QUERY_ID})
    result = run_module(cloudwatch_logs_query, {"log_groups": [GROUP], "query": LATENCY})
    assert not result["failed"], result
    assert result["rows"] == []
    stubber.assert_no_pending_responses()


def test_events_are_read_page_by_page_and_no_further_than_the_limit(run_module, stubbed_client):
    stubber = stubbed_client("logs")[1]
    event = {"logStreamName": "ml/ml/1", "timestamp": 1764583200000, "message": '{"status": 500, "path": "/predict"}'}
    stubber.add_response("filter_log_events", {"events": [event, event], "nextToken": "t1"})
    stubber.add_response("filter_log_events", {"events": [event, event], "nextToken": "t2"})
    # No third page is asked for: three events already passed the limit of 2.
    result = run_module(cloudwatch_logs_query,
                        {"log_groups": [GROUP], "limit": 2, "filter_pattern": "{ $.status >= 500 }"})
    assert not result["failed"], result
    assert result["truncated"] is True
    assert len(result["events"]) == 2
    assert result["events"][0]["fields"] == {"status": 500, "path": "/predict"}
    assert result["events"][0]["timestamp"] == "2025-12-01T10:00:00.000+00:00"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("params, message", [
    ({"start_time": "yesterday"}, "start_time: 'yesterday' is not 'now', -<N>s/m/h/d"),
    ({"start_time": "now", "end_time": "-1h"}, "start_time: now is not before end_time -1h"),
    ({"limit": 0}, "limit: 0 is not between 1 and 10000"),
    ({"log_groups": []}, "log_groups: give at least one log group"),
])
def test_bad_input_is_refused_naming_the_field(run_module, stubbed_client, params, message):
    result = run_module(cloudwatch_logs_query, dict({"log_groups": [GROUP]}, **params))
    assert result["failed"]
    assert message in result["msg"]
