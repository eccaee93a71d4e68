"""GetPipelineState answers with each stage of the declaration and the latest execution, as AWS does
(moto answered a 500): no latestExecution before the first run, then the execution on every stage."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError


def make_pipeline(name="pipe"):
    arn = boto3.client("iam").create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": "codepipeline.amazonaws.com"},
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    source = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    build = {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"}
    stages = [
        {
            "name": "Source",
            "actions": [{"name": "Fetch", "actionTypeId": source, "outputArtifacts": [{"name": "src"}]}],
        },
        {
            "name": "Build",
            "actions": [
                {"name": "Test", "actionTypeId": build, "inputArtifacts": [{"name": "src"}]},
                {"name": "Image", "actionTypeId": build, "inputArtifacts": [{"name": "src"}]},
            ],
        },
    ]
    boto3.client("codepipeline").create_pipeline(
        pipeline={
            "name": name,
            "roleArn": arn,
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": stages,
        }
    )


def test_a_pipeline_that_never_ran_lists_its_stages_without_executions(aws):
    make_pipeline()
    state = boto3.client("codepipeline").get_pipeline_state(name="pipe")
    assert state["pipelineName"] == "pipe" and state["pipelineVersion"] == 1
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build"]
    assert [a["actionName"] for a in state["stageStates"][1]["actionStates"]] == ["Test", "Image"]
    assert "inboundTransitionState" not in state["stageStates"][0]
    assert state["stageStates"][1]["inboundTransitionState"] == {"enabled": True}
    assert all("latestExecution" not in s for s in state["stageStates"])
    assert state["created"] and state["updated"]


def test_each_stage_shows_the_latest_execution(aws):
    make_pipeline()
    client = boto3.client("codepipeline")
    client.start_pipeline_execution(name="pipe")
    latest = client.start_pipeline_execution(name="pipe")["pipelineExecutionId"]
    state = client.get_pipeline_state(name="pipe")
    assert [s["latestExecution"] for s in state["stageStates"]] == [
        {"pipelineExecutionId": latest, "status": "Succeeded"}
    ] * 2
    action = state["stageStates"][1]["actionStates"][0]["latestExecution"]
    assert action["status"] == "Succeeded" and action["lastStatusChange"]


def test_an_unknown_pipeline_is_not_found(aws):
    with pytest.raises(ClientError, match="PipelineNotFoundException"):
        boto3.client("codepipeline").get_pipeline_state(name="nope")
