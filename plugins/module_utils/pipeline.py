# -*- coding: utf-8 -*-

# Copyright: Contributors to the mlops.aws_deploy project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The delivery pipeline (CodePipeline), read only: its stages' state and its latest executions.

GetPipelineState gives each stage's latest execution (``latestExecution``: the pipeline execution
that last entered the stage, and its status there) and each action's; ListPipelineExecutions the
pipeline's executions, newest first. ``summarize()`` turns both into the snake_case dict that
codepipeline_state_info returns.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.mlops.aws_deploy.plugins.module_utils.errors import CodePipelineErrorHandler


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


@CodePipelineErrorHandler.list_error_handler("read the state of pipeline {name}")
def get_state(client, name):
    """GetPipelineState's answer, or None when the pipeline does not exist."""
    return client.get_pipeline_state(name=name, aws_retry=True)


@CodePipelineErrorHandler.list_error_handler("list the executions of pipeline {name}", [])
def latest_executions(client, name, count):
    """The pipeline's ``count`` newest execution summaries (ListPipelineExecutions answers newest first)."""
    answer = client.list_pipeline_executions(pipelineName=name, maxResults=count, aws_retry=True)
    return answer.get("pipelineExecutionSummaries", [])[:count]


def action_view(action):
    latest = action.get("latestExecution") or {}
    error = latest.get("errorDetails") or {}
    return {
        "name": action["actionName"],
        "status": latest.get("status"),
        "last_status_change": _iso(latest.get("lastStatusChange")),
        "summary": latest.get("summary"),
        "error": error.get("message"),
        "external_execution_url": latest.get("externalExecutionUrl"),
    }


def stage_view(stage):
    latest = stage.get("latestExecution") or {}
    transition = stage.get("inboundTransitionState")
    return {
        "name": stage["stageName"],
        "status": latest.get("status"),
        "execution_id": latest.get("pipelineExecutionId"),
        "transition_enabled": transition.get("enabled", True) if transition else None,
        "transition_disabled_reason": (transition or {}).get("disabledReason"),
        "actions": [action_view(a) for a in stage.get("actionStates", [])],
    }


def execution_view(summary):
    view = camel_dict_to_snake_dict(summary)
    for key in ("start_time", "last_update_time"):
        if key in view:
            view[key] = _iso(summary.get("startTime" if key == "start_time" else "lastUpdateTime"))
    return view


def summarize(state, executions):
    """The pipeline's state as plain snake_case data: stages in order, the newest executions first."""
    return {
        "name": state["pipelineName"],
        "version": state.get("pipelineVersion"),
        "created": _iso(state.get("created")),
        "updated": _iso(state.get("updated")),
        "stages": [stage_view(s) for s in state.get("stageStates", [])],
        "executions": [execution_view(e) for e in executions],
    }
