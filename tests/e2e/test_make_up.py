"""make up from nothing to a prediction through the load balancer, then make down leaves nothing running.

Slow (about 6 minutes cold: images, playbooks); runs in `make test-e2e` after `make down`. It uses
its own offline AWS state dir, but the registry (127.0.0.1:5000) is the stack's own: a developer's
running `make up` is stopped first. The offline AWS runs live (offline_aws/live): the ECS agent runs
the services' tasks as containers, HAProxy serves the load balancers.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request

from tests.e2e.stack import REPO, make


def source_tag():
    tag = subprocess.run(["scripts/images/source_tag.sh"], cwd=REPO, capture_output=True, text=True, check=True)
    return tag.stdout.strip()


def test_registry_lists_both_images_with_the_commit_tag(stack):
    tag = source_tag()
    with urllib.request.urlopen("http://127.0.0.1:5000/v2/_catalog", timeout=5) as response:  # noqa: S310
        catalog = json.loads(response.read())["repositories"]
    for repository in ("mobileml-local/backend-api", "mobileml-local/ml-model-service"):
        assert repository in catalog
        url = f"http://127.0.0.1:5000/v2/{repository}/tags/list"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            assert tag in json.loads(response.read())["tags"]


def live_report(env):
    from offline_aws.live import runtime

    return runtime.report(env["AWS_ENDPOINT_URL"])


def aws_client(env, service):
    import boto3

    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def test_each_service_runs_real_tasks_behind_healthy_targets(stack):
    """The live colour of each service runs its desired count of tasks (containers the agent
    started), and the load balancer's health checks found each of them healthy."""
    _, env = stack
    ecs, elbv2 = aws_client(env, "ecs"), aws_client(env, "elbv2")
    arns = ecs.list_services(cluster="mobileml-local")["serviceArns"]
    services = ecs.describe_services(cluster="mobileml-local", services=arns)["services"]
    live = [s for s in services if s["desiredCount"] > 0]
    assert {s["serviceName"].rsplit("-", 1)[0] for s in live} == {"mobileml-local-backend", "mobileml-local-ml"}
    for service in live:
        assert service["runningCount"] == service["desiredCount"], service["events"][:5]
        for balancer in service["loadBalancers"]:
            health = elbv2.describe_target_health(TargetGroupArn=balancer["targetGroupArn"])
            states = [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]]
            assert states and set(states) == {"healthy"}, (service["serviceName"], health)
    tasks = [t for t in live_report(env)["ecs"]["tasks"] if t["phase"] == "RUNNING"]
    assert len(tasks) == sum(s["desiredCount"] for s in live)
    assert all(t["container"] for t in tasks)


def test_prediction_through_backend_returns_the_promoted_model_version(stack):
    _, env = stack
    answer = subprocess.run(
        [sys.executable, "scripts/show_prediction.py", "--json"],
        cwd=REPO, env=dict(os.environ, **env), capture_output=True, text=True, check=True,
    )
    prediction = json.loads(answer.stdout)
    import boto3

    ssm = boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    pointer = json.loads(ssm.get_parameter(Name="/mobileml/local/model-version")["Parameter"]["Value"])
    assert str(prediction["model_version"]) == str(pointer["version"])


def test_pipeline_exists_with_its_stages(stack):
    _, env = stack
    import boto3

    client = boto3.client("codepipeline", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    stages = [s["name"] for s in client.get_pipeline(name="mobileml-local-pipeline")["pipeline"]["stages"]]
    assert stages == ["Source", "Build", "Deploy-dev", "Approve-prod", "Deploy-prod"]


def test_a_second_make_up_changes_nothing(stack):
    """Warm: cached base image and wheels, images unchanged, no new model trained; every play of
    every playbook reports changed=0 and the prediction still answers."""
    output = make("up")
    # Every host of the recap: localhost, and site.yml's two lanes (lane-1, lane-2).
    recaps = re.findall(r"^\S+\s*:\s*ok=\d+\s+changed=(\d+)", output, re.M)
    assert len(recaps) >= 3, output[-5000:]
    assert set(recaps) == {"0"}, output[-15000:]
    assert '"model_version"' in output


def test_check_mode_plans_a_new_commit_and_changes_nothing(stack):
    """make up --check with an image tag nothing has built: site.yml plans the builds, the pushes and
    the new task definitions, and the registry and the offline AWS stay as they were."""
    _, env = stack
    import boto3

    ecs = boto3.client("ecs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")

    def revisions():
        return sorted(ecs.list_task_definitions()["taskDefinitionArns"])

    before = revisions()
    output = make("up", "UP_ARGS=--check -e image_tag=e2eplanned")
    recaps = re.findall(r"^\S+\s*:\s*ok=\d+\s+changed=(\d+)", output, re.M)
    assert sum(int(n) for n in recaps) >= 4, output[-8000:]  # two builds, two task definitions at least
    assert "would push 127.0.0.1:5000/mobileml-local/backend-api:e2eplanned after building it" in output
    assert revisions() == before
    with urllib.request.urlopen("http://127.0.0.1:5000/v2/mobileml-local/backend-api/tags/list", timeout=5) as r:  # noqa: S310
        assert "e2eplanned" not in json.loads(r.read())["tags"]
