"""codepipeline_state_info with botocore's Stubber.

The answers follow CodePipeline's API reference (GetPipelineState, ListPipelineExecutions): stages
with different executions (a new run in progress while the last stage still shows the previous
run's failure), a disabled transition, an action's error details. The offline AWS runs no actions
(every execution it records succeeds at once), so these states exist only here.
"""

import datetime

from ansible_collections.mlops.aws_deploy.plugins.modules import codepipeline_state_info

NAME = "mobileml-dev-pipeline"
NOW = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)
NEW, OLD = "11111111-aaaa-4bbb-8ccc-000000000002", "11111111-aaaa-4bbb-8ccc-000000000001"


def action(name, status, **extra):
    return {"actionName": name, "latestExecution": dict({"status": status, "lastStatusChange": NOW}, **extra)}


STATE = {
    "pipelineName": NAME,
    "pipelineVersion": 3,
    "created": NOW,
    "updated": NOW,
    "stageStates": [
        {
            "stageName": "Source",
            "actionStates": [action("Source", "Succeeded")],
            "latestExecution": {"pipelineExecutionId": NEW, "status": "Succeeded"},
        },
        {
            "stageName": "Build",
            "inboundTransitionState": {"enabled": True},
            "actionStates": [action("Test", "InProgress", externalExecutionUrl="https://console.aws.amazon.com/cb/1")],
            "latestExecution": {"pipelineExecutionId": NEW, "status": "InProgress"},
        },
        {
            "stageName": "Deploy",
            "inboundTransitionState": {"enabled": False, "disabledReason": "release freeze", "lastChangedBy": "alice"},
            "actionStates": [action("Deploy", "Failed", errorDetails={"code": "JobFailed", "message": "Build failed"})],
            "latestExecution": {"pipelineExecutionId": OLD, "status": "Failed"},
        },
        {"stageName": "Never", "inboundTransitionState": {"enabled": True}, "actionStates": [{"actionName": "Noop"}]},
    ],
}
EXECUTIONS = [
    {
        "pipelineExecutionId": NEW,
        "status": "InProgress",
        "startTime": NOW,
        "lastUpdateTime": NOW,
        "trigger": {"triggerType": "StartPipelineExecution", "triggerDetail": "alice"},
    },
    {
        "pipelineExecutionId": OLD,
        "status": "Failed",
        "startTime": NOW,
        "lastUpdateTime": NOW,
        "trigger": {"triggerType": "CloudWatchEvent"},
    },
]


def test_each_stage_shows_the_execution_that_last_entered_it_and_its_status(stubbed_client, run_module):
    _client, stub = stubbed_client("codepipeline")
    stub.add_response("get_pipeline_state", STATE, {"name": NAME})
    stub.add_response(
        "list_pipeline_executions", {"pipelineExecutionSummaries": EXECUTIONS}, {"pipelineName": NAME, "maxResults": 2}
    )
    result = run_module(codepipeline_state_info, {"name": NAME, "executions": 2})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["changed"] is False and result["exists"] is True
    stages = result["pipeline"]["stages"]
    assert [(s["name"], s["status"], s["execution_id"]) for s in stages] == [
        ("Source", "Succeeded", NEW),
        ("Build", "InProgress", NEW),
        ("Deploy", "Failed", OLD),
        ("Never", None, None),
    ]
    assert [s["transition_enabled"] for s in stages] == [None, True, False, True]
    assert stages[2]["transition_disabled_reason"] == "release freeze"
    assert stages[2]["actions"][0]["error"] == "Build failed"
    assert stages[1]["actions"][0]["external_execution_url"] == "https://console.aws.amazon.com/cb/1"
    assert stages[3]["actions"] == [
        {
            "name": "Noop",
            "status": None,
            "last_status_change": None,
            "summary": None,
            "error": None,
            "external_execution_url": None,
        }
    ]
    executions = result["pipeline"]["executions"]
    assert [(e["pipeline_execution_id"], e["status"]) for e in executions] == [(NEW, "InProgress"), (OLD, "Failed")]
    assert executions[0]["start_time"] == NOW.isoformat()
    assert executions[0]["trigger"] == {"trigger_type": "StartPipelineExecution", "trigger_detail": "alice"}
    assert result["pipeline"]["version"] == 3 and result["pipeline"]["created"] == NOW.isoformat()


def test_a_missing_pipeline_is_reported_as_not_existing(stubbed_client, run_module):
    _client, stub = stubbed_client("codepipeline")
    stub.add_client_error(
        "get_pipeline_state",
        "PipelineNotFoundException",
        f"Account '123456789012' does not have a pipeline with name '{NAME}'",
        400,
    )
    result = run_module(codepipeline_state_info, {"name": NAME})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["exists"] is False and result["pipeline"] is None


def test_throttling_is_retried(stubbed_client, run_module):
    _client, stub = stubbed_client("codepipeline")
    stub.add_client_error("get_pipeline_state", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("get_pipeline_state", STATE, {"name": NAME})
    stub.add_client_error("list_pipeline_executions", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response(
        "list_pipeline_executions",
        {"pipelineExecutionSummaries": EXECUTIONS[:1]},
        {"pipelineName": NAME, "maxResults": 1},
    )
    result = run_module(codepipeline_state_info, {"name": NAME})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert [e["status"] for e in result["pipeline"]["executions"]] == ["InProgress"]


def test_executions_0_reads_only_the_state(stubbed_client, run_module):
    _client, stub = stubbed_client("codepipeline")
    stub.add_response("get_pipeline_state", STATE, {"name": NAME})
    result = run_module(codepipeline_state_info, {"name": NAME, "executions": 0})
    stub.assert_no_pending_responses()
    assert not result["failed"], result
    assert result["pipeline"]["executions"] == []


def test_a_denied_read_fails_saying_which_pipeline(stubbed_client, run_module):
    _client, stub = stubbed_client("codepipeline")
    stub.add_client_error("get_pipeline_state", "AccessDeniedException", "not authorized", 400)
    result = run_module(codepipeline_state_info, {"name": NAME})
    assert result["failed"]
    assert result["msg"].startswith(f"Failed to read the state of pipeline {NAME}"), result["msg"]


def test_executions_out_of_range_are_refused_naming_the_field(stubbed_client, run_module):
    stubbed_client("codepipeline")
    result = run_module(codepipeline_state_info, {"name": NAME, "executions": 101})
    assert result["failed"] and result["msg"] == "executions: 101 is not between 0 and 100"
