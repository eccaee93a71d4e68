"""Print the local stack's URLs and one real prediction through backend-api (`make up` ends with it).

Reads the load balancers' local addresses that the offline AWS writes (.offline-aws/live/
load_balancers.json: `make up` runs it with its ECS agent and HAProxy), the running ECS tasks, the API
key from the secret named in backend-api's task definition (offline Secrets Manager, AWS_ENDPOINT_URL),
and posts one row of the breast-cancer data set to the public load balancer's /api/predict with
urllib: client -> load balancer -> backend task -> internal load balancer -> ML task, as on AWS.
Exits non-zero when the prediction fails. `--json` prints the answer alone (the e2e test reads it).
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent
NOT_READY_SECONDS = 120


def api_key(name_prefix):
    """The API key and where it lives: the backend task definition's API_KEY secret or variable."""
    ecs = boto3.client("ecs")
    taskdef = ecs.describe_task_definition(taskDefinition=f"{name_prefix}-backend")["taskDefinition"]
    for container in taskdef["containerDefinitions"]:
        for secret in container.get("secrets", []):
            if secret["name"] == "API_KEY":
                value = boto3.client("secretsmanager").get_secret_value(SecretId=secret["valueFrom"])["SecretString"]
                return value, f"Secrets Manager {secret['valueFrom']}"
        env = {item["name"]: item["value"] for item in container.get("environment", [])}
        if "API_KEY_SECRET_ID" in env:
            value = boto3.client("secretsmanager").get_secret_value(SecretId=env["API_KEY_SECRET_ID"])["SecretString"]
            if value.startswith("{"):
                value = json.loads(value)["api_key"]
            return value, f"Secrets Manager {env['API_KEY_SECRET_ID']}"
        if "API_KEY" in env:
            return env["API_KEY"], f"task definition {taskdef['taskDefinitionArn']} (API_KEY)"
    raise SystemExit("no API key in the backend task definition")


def sample_row():
    try:
        from sklearn.datasets import load_breast_cancer  # ships with scikit-learn, no download

        return [float(x) for x in load_breast_cancer().data[0]]
    except ImportError:  # pragma: no cover - the venv has scikit-learn
        return [0.0] * 30


def post(url, body, key, timeout=10):
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
        return response.status, json.loads(response.read())


def running_tasks(cluster):
    """(service, task id, address, image) of each RUNNING task of the cluster's services."""
    ecs = boto3.client("ecs")
    found = []
    for service_arn in ecs.list_services(cluster=cluster).get("serviceArns", []):
        service = service_arn.rsplit("/", 1)[-1]
        arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="RUNNING").get("taskArns", [])
        for task in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []:
            details = {d["name"]: d["value"] for a in task.get("attachments", []) for d in a.get("details", [])}
            image = (task.get("containers") or [{}])[0].get("image", "")
            found.append((service, task["taskArn"].rsplit("/", 1)[-1], details.get("privateIPv4Address", ""), image))
    return sorted(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name-prefix", default="mobileml-local")
    parser.add_argument(
        "--live-state", default=os.environ.get("OFFLINE_AWS_LIVE_STATE") or str(REPO / ".offline-aws" / "live")
    )
    parser.add_argument("--json", action="store_true", help="print only the prediction as JSON")
    args = parser.parse_args(argv)

    state = Path(args.live_state) / "load_balancers.json"
    balancers = json.loads(state.read_text()).get("load_balancers", {}) if state.exists() else {}
    public = balancers.get(args.name_prefix, {}).get("listeners", {}).get("80")
    if not public:
        print(f"no listener of load balancer {args.name_prefix} in {state}: run make up", file=sys.stderr)
        return 1
    key, where = api_key(args.name_prefix)
    # A first model promoted a moment ago is loaded at the ML service's next poll of its pointer:
    # while it answers 503 with Retry-After, ask again (bounded).
    deadline = time.monotonic() + NOT_READY_SECONDS
    while True:
        try:
            status, answer = post(f"{public}/api/predict", {"features": sample_row()}, key)
            break
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            retry_after = min(10.0, float(error.headers.get("Retry-After") or 0))
            if error.code != 503 or not retry_after or time.monotonic() + retry_after > deadline:
                print(f"prediction failed: HTTP {error.code} {body}", file=sys.stderr)
                return 1
            if not args.json:
                print(f"not ready yet (HTTP 503, asking again in {retry_after:g} s): {body[:200]}", file=sys.stderr)
            time.sleep(retry_after)
    if args.json:
        print(json.dumps(answer))
        return 0
    print("\nThe local stack is up:")
    for name, balancer in sorted(balancers.items()):
        for port, url in sorted(balancer.get("listeners", {}).items()):
            print(f"  load balancer {name:<24} {url}  (listener {port} of {balancer.get('dns_name', '')})")
    for service, task, address, image in running_tasks(args.name_prefix):
        print(f"  ECS task {service:<28} {task[:12]}  {address}  {image}")
    print(f"  API key: {where}")
    print(f"\nPOST {public}/api/predict (X-API-Key) -> HTTP {status}")
    print(f"  {json.dumps(answer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
