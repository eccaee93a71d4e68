"""Add CodePipeline GetPipelineState.

AWS: `GetPipelineState(name)` answers `{pipelineName, pipelineVersion, created, updated, stageStates}`;
each stage state has `stageName`, `inboundTransitionState` (`{enabled}`, every stage but the first),
`actionStates` (`{actionName, latestExecution?}`) and, once the stage ran, `latestExecution`
(`{pipelineExecutionId, status}`). An unknown pipeline is PipelineNotFoundException
(https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipelineState.html).

moto runs no actions: an execution it records is Succeeded at once (StartPipelineExecution), so the
stages' latest execution is the pipeline's latest execution, with its status, on every stage and
action; a stage of a pipeline that never ran has no latestExecution, as in AWS. Stage-by-stage
progress and failures exist only in AWS: tests/unit/plugins/modules/test_codepipeline_state_info.py.
"""

import json

from moto.codepipeline.models import CodePipelineBackend
from moto.codepipeline.responses import CodePipelineResponse
from moto.core.utils import iso_8601_datetime_with_milliseconds


def get_pipeline_state(self, name):
    pipeline, metadata = self.get_pipeline(name)  # PipelineNotFoundException for an unknown name
    executions = list(self.pipelines[name].executions.values())
    latest = executions[-1] if executions else None
    stages = []
    for index, stage in enumerate(pipeline["stages"]):
        actions = []
        for action in stage["actions"]:
            state = {"actionName": action["name"]}
            if latest:
                state["latestExecution"] = {
                    "status": latest.status,
                    "lastStatusChange": iso_8601_datetime_with_milliseconds(latest.last_update_time),
                }
            actions.append(state)
        state = {"stageName": stage["name"], "actionStates": actions}
        if index:
            state["inboundTransitionState"] = {"enabled": True}
        if latest:
            state["latestExecution"] = {"pipelineExecutionId": latest.pipeline_execution_id, "status": latest.status}
        stages.append(state)
    return {
        "pipelineName": name,
        "pipelineVersion": pipeline["version"],
        "stageStates": stages,
        "created": metadata["created"],
        "updated": metadata["updated"],
    }


def _respond_get_pipeline_state(self):
    return json.dumps(self.codepipeline_backend.get_pipeline_state(self._get_param("name")))


def apply():
    CodePipelineBackend.get_pipeline_state = get_pipeline_state
    CodePipelineResponse.get_pipeline_state = _respond_get_pipeline_state
