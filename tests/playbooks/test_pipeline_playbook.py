"""playbooks/pipeline.yml against the offline AWS, as a user runs it: check mode on an empty account
plans everything and creates nothing; a converge, then a re-run and check mode that change nothing;
a log retention edited by hand is reported by check mode (not applied) and undone by the next run."""

import boto3

NAME_PREFIX = "mobileml-local"  # inventories/local: app_name mobileml, env_name local
PIPELINE = f"{NAME_PREFIX}-pipeline"
BUILD_LOG = f"/aws/codebuild/{NAME_PREFIX}-build-ml"


def pipeline_resources():
    return {
        "roles": [
            r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(NAME_PREFIX)
        ],
        "buckets": [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]],
        "projects": boto3.client("codebuild").list_projects()["projects"],
        "pipelines": [p["name"] for p in boto3.client("codepipeline").list_pipelines()["pipelines"]],
        "log_groups": [g["logGroupName"] for g in boto3.client("logs").describe_log_groups()["logGroups"]],
    }


def retention():
    return boto3.client("logs").describe_log_groups(logGroupNamePrefix=BUILD_LOG)["logGroups"][0].get("retentionInDays")


def test_check_mode_on_an_empty_account_plans_everything_and_creates_nothing(run_playbook):
    run = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert f"would create or update {PIPELINE}" in run.stdout, run.output
    assert f"would create or update {NAME_PREFIX}-build-ml" in run.stdout
    assert all(not found for found in pipeline_resources().values()), pipeline_resources()


def test_converge_then_nothing_to_do_and_drift_is_reported_then_undone(run_playbook):
    assert run_playbook("playbooks/pipeline.yml").check().changed > 0
    assert pipeline_resources()["pipelines"] == [PIPELINE]
    assert_deploy_projects_carry_their_time_budget()
    again = run_playbook("playbooks/pipeline.yml").check()
    assert again.changed == 0, again.output
    planned = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert planned.changed == 0, planned.output

    wanted = retention()
    boto3.client("logs").put_retention_policy(logGroupName=BUILD_LOG, retentionInDays=1)
    seen = run_playbook("playbooks/pipeline.yml", check_mode=True).check()
    assert seen.changed == 1 and f"would create or correct {BUILD_LOG}" in seen.stdout, seen.output
    assert retention() == 1  # check mode changed nothing
    assert run_playbook("playbooks/pipeline.yml").check().changed == 1
    assert retention() == wanted


def assert_deploy_projects_carry_their_time_budget():
    # A deploy build runs deploy.yml for backend then ml: its own timeout, handed to deploy.yml as the
    # budget it refuses to exceed (the timeout less the setup time), with the services in that order.
    projects = boto3.client("codebuild").batch_get_projects(
        names=[f"{NAME_PREFIX}-deploy-dev", f"{NAME_PREFIX}-build-ml"]
    )["projects"]
    deploy, build = sorted(projects, key=lambda p: p["name"], reverse=True)
    assert (deploy["timeoutInMinutes"], build["timeoutInMinutes"]) == (90, 30)
    variables = {v["name"]: v["value"] for v in deploy["environment"]["environmentVariables"]}
    assert variables["DEPLOY_TIME_BUDGET"] == str(90 * 60 - 300)
    assert variables["DEPLOY_JOB_SERVICES"] == "backend,ml"
