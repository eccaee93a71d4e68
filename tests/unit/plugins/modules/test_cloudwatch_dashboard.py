"""cloudwatch_dashboard with botocore's Stubber: the calls it makes (and does not make) for each case,
and what the offline AWS cannot show on demand (throttling, CloudWatch's validation messages, a body
CloudWatch refuses)."""

import json

from ansible_collections.mlops.aws_deploy.plugins.modules import cloudwatch_dashboard

NAME = "mobileml-prod-backend"
ARN = f"arn:aws:cloudwatch::123456789012:dashboard/{NAME}"
URL = f"https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name={NAME}"
TARGET_GROUP = "targetgroup/mobileml-prod-backend-blue/0a1b2c3d4e5f6a7b"
BODY = {
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {
                "title": "Requests",
                "region": "us-east-1",
                "stat": "Sum",
                "period": 60,
                "metrics": [["AWS/ApplicationELB", "RequestCount", "TargetGroup", TARGET_GROUP]],
            },
        }
    ]
}
NEW_BODY = {"widgets": BODY["widgets"] + [{"type": "text", "x": 0, "y": 6, "width": 24, "height": 2,
                                           "properties": {"markdown": "# Backend"}}]}


def put_params(body):
    return {"DashboardName": NAME, "DashboardBody": json.dumps(body, sort_keys=True, separators=(",", ":"))}


def stored(body, indent=None):
    # What GetDashboard returns: the body as a JSON string, in whatever key order and layout.
    return {"DashboardName": NAME, "DashboardArn": ARN, "DashboardBody": json.dumps(body, indent=indent)}


def add_missing(stubber):
    stubber.add_client_error("get_dashboard", "ResourceNotFound", "Dashboard does not exist", 404,
                             expected_params={"DashboardName": NAME})


def add_existing(stubber, body, indent=None):
    stubber.add_response("get_dashboard", stored(body, indent), {"DashboardName": NAME})


def test_a_missing_dashboard_is_created_and_read_back(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_missing(stubber)
    stubber.add_response("put_dashboard", {"DashboardValidationMessages": []}, put_params(BODY))
    add_existing(stubber, BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert not result["failed"], result
    assert result["changed"] is True and result["action"] == "create"
    assert result["dashboard"] == {"name": NAME, "arn": ARN, "body": BODY}
    assert result["validation_messages"] == []
    assert result["url"] == URL
    stubber.assert_no_pending_responses()


def test_the_same_body_in_another_key_order_and_layout_changes_nothing(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    reordered = {"widgets": [dict(reversed(list(w.items()))) for w in BODY["widgets"]]}
    add_existing(stubber, reordered, indent=2)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY}, diff=True)
    assert not result["failed"], result
    assert result["changed"] is False and result["action"] == "none"
    assert result["dashboard"]["arn"] == ARN
    assert result["diff"] == {"before": BODY, "after": BODY}
    stubber.assert_no_pending_responses()  # no put_dashboard


def test_numbers_compare_as_json_values(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    widget = dict(BODY["widgets"][0], width=12.0)  # stored as 12.0, asked as 12
    add_existing(stubber, {"widgets": [widget]})
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert result["changed"] is False, result
    stubber.assert_no_pending_responses()


def test_a_changed_body_is_put_with_a_diff(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_existing(stubber, BODY)
    stubber.add_response("put_dashboard", {}, put_params(NEW_BODY))
    add_existing(stubber, NEW_BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": NEW_BODY}, diff=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["action"] == "update"
    assert result["diff"] == {"before": BODY, "after": NEW_BODY}
    assert result["dashboard"]["body"] == NEW_BODY
    stubber.assert_no_pending_responses()


def test_check_mode_reports_the_change_and_puts_nothing(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_existing(stubber, BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": NEW_BODY}, check_mode=True, diff=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["action"] == "update"
    assert result["dashboard"] == {"name": NAME, "arn": ARN, "body": NEW_BODY}
    assert result["diff"] == {"before": BODY, "after": NEW_BODY}
    stubber.assert_no_pending_responses()  # no put_dashboard


def test_check_mode_for_a_missing_dashboard_has_no_arn(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_missing(stubber)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY}, check_mode=True, diff=True)
    assert result["changed"] is True and result["action"] == "create"
    assert result["dashboard"] == {"name": NAME, "body": BODY}
    assert result["diff"] == {"before": {}, "after": BODY}
    stubber.assert_no_pending_responses()


def test_absent_deletes_an_existing_dashboard(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_existing(stubber, BODY)
    stubber.add_response("delete_dashboards", {}, {"DashboardNames": [NAME]})
    result = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"}, diff=True)
    assert not result["failed"], result
    assert result["changed"] is True and result["action"] == "delete"
    assert result["dashboard"] == {}
    assert result["diff"] == {"before": BODY, "after": {}}
    assert "url" not in result
    stubber.assert_no_pending_responses()


def test_absent_in_check_mode_deletes_nothing(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_existing(stubber, BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"}, check_mode=True)
    assert result["changed"] is True
    stubber.assert_no_pending_responses()  # no delete_dashboards


def test_absent_when_missing_makes_no_call(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_missing(stubber)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "state": "absent"})
    assert not result["failed"], result
    assert result["changed"] is False and result["action"] == "none"
    stubber.assert_no_pending_responses()  # no delete_dashboards


def test_throttling_is_retried(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    stubber.add_client_error("get_dashboard", "Throttling", "Rate exceeded", 400)
    stubber.add_client_error("get_dashboard", "ThrottlingException", "Rate exceeded", 400)
    add_existing(stubber, BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert not result["failed"], result
    assert result["changed"] is False
    stubber.assert_no_pending_responses()


def test_validation_messages_are_returned_and_warned(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_missing(stubber)
    stubber.add_response(
        "put_dashboard",
        {"DashboardValidationMessages": [{"DataPath": "/widgets/0/properties/metrics/0",
                                          "Message": "The metric has no data"}]},
        put_params(BODY),
    )
    add_existing(stubber, BODY)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert not result["failed"], result
    assert result["validation_messages"] == [
        {"data_path": "/widgets/0/properties/metrics/0", "message": "The metric has no data"}
    ]
    # ansible-core 2.19 returns each warning as a structure holding the message.
    assert "/widgets/0/properties/metrics/0: The metric has no data" in json.dumps(result["warnings"])
    stubber.assert_no_pending_responses()


def test_a_refused_body_fails_with_cloudwatchs_reasons(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    add_missing(stubber)
    stubber.add_client_error(
        "put_dashboard",
        "InvalidParameterInput",
        "The field DashboardBody must be a valid JSON object",
        400,
        expected_params=put_params(BODY),
        modeled_fields={"dashboardValidationMessages": [{"DataPath": "/widgets/0", "Message": "Unknown widget type"}]},
    )
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert result["failed"]
    assert f"CloudWatch refused the body of dashboard {NAME}" in result["msg"]
    assert "/widgets/0: Unknown widget type" in result["msg"]
    assert "The field DashboardBody must be a valid JSON object" in result["msg"]
    assert result["validation_messages"] == [{"data_path": "/widgets/0", "message": "Unknown widget type"}]
    stubber.assert_no_pending_responses()


def test_a_read_error_says_what_was_being_read(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    stubber.add_client_error("get_dashboard", "AccessDenied", "not allowed", 403)
    result = run_module(cloudwatch_dashboard, {"name": NAME, "body": BODY})
    assert result["failed"]
    assert f"Failed to read CloudWatch dashboard {NAME}" in result["msg"]


def test_bad_names_fail_naming_the_field_before_any_call(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    for bad, reason in (("my dashboard", "' '"), ("a" * 256, "at most 255"), ("", "must not be empty"),
                        ("prod/backend", "'/'")):
        result = run_module(cloudwatch_dashboard, {"name": bad, "body": BODY})
        assert result["failed"], bad
        assert "name" in result["msg"] and reason in result["msg"], result["msg"]
    stubber.assert_no_pending_responses()


def test_a_body_without_widgets_fails_naming_the_field_before_any_call(run_module, stubbed_client):
    stubber = stubbed_client("cloudwatch")[1]
    for body in ({"start": "-PT6H"}, {"widgets": {"type": "text"}}):
        result = run_module(cloudwatch_dashboard, {"name": NAME, "body": body})
        assert result["failed"], body
        assert "body" in result["msg"] and "widgets" in result["msg"], result["msg"]
    result = run_module(cloudwatch_dashboard, {"name": NAME})
    assert result["failed"] and "body" in result["msg"], result["msg"]
    stubber.assert_no_pending_responses()
