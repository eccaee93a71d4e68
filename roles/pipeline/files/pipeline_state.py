"""Read-only: what exists of a pipeline and its CodeBuild projects, for the pipeline role.

community.aws.codebuild_project always calls UpdateProject and community.aws.codepipeline always
calls UpdatePipeline (and no *_info module exists for either), so the role asks this script first
and calls those modules only for what is absent or different. Prints JSON:
  {"projects": {name: {"exists": bool, "tags": {..}}}, "pipeline": {"exists": bool, "matches": bool, "version": n}}
A pipeline "matches" when every key of the desired definition (stages, role, artifact store) has
the same value in AWS's (AWS adds defaults; those are not compared).
Usage: pipeline_state.py '{"projects": [...], "pipeline": {...}}'
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError


def subset(want, have):
    if isinstance(want, dict):
        return isinstance(have, dict) and all(subset(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return False
        return all(subset(w, h) for w, h in zip(want, have, strict=True))
    return str(want) == str(have) if not isinstance(want, bool) else want == have


def main():
    desired = json.loads(sys.argv[1])
    result = {"projects": {}, "pipeline": {"exists": False, "matches": False, "version": None}}
    names = desired.get("projects", [])
    found = boto3.client("codebuild").batch_get_projects(names=names)["projects"] if names else []
    for name in names:
        project = next((p for p in found if p["name"] == name), None)
        tags = {t["key"]: t["value"] for t in (project or {}).get("tags", [])}
        result["projects"][name] = {"exists": project is not None, "tags": tags}
    want = desired.get("pipeline")
    if want:
        try:
            have = boto3.client("codepipeline").get_pipeline(name=want["name"])["pipeline"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "PipelineNotFoundException":
                raise
        else:
            result["pipeline"] = {"exists": True, "matches": subset(want, have), "version": have.get("version")}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
