"""Print the local stack's URLs and one real prediction through backend-api (`make up` ends with it).

Reads the containers recorded by the local runtime (.build/local-runtime/*.json), the API key from
the secret named in backend-api's task definition (offline Secrets Manager, AWS_ENDPOINT_URL), and
posts one row of the breast-cancer data set to /api/predict with urllib. Exits non-zero when the
prediction fails. `--json` prints the answer alone (the e2e test reads it).
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parent.parent


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name-prefix", default="mobileml-local")
    parser.add_argument("--records", default=str(REPO / ".build" / "local-runtime"))
    parser.add_argument("--json", action="store_true", help="print only the prediction as JSON")
    args = parser.parse_args(argv)

    records = {}
    for path in sorted(Path(args.records).glob("*.json")):
        record = json.loads(path.read_text())
        records[record["name"]] = record
    backend = records.get(f"{args.name_prefix}-backend")
    if not backend:
        print(f"no backend container recorded under {args.records}: run make up", file=sys.stderr)
        return 1
    key, where = api_key(args.name_prefix)
    try:
        status, answer = post(f"{backend['url']}/api/predict", {"features": sample_row()}, key)
    except urllib.error.HTTPError as error:
        print(f"prediction failed: HTTP {error.code} {error.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(answer))
        return 0
    print("\nThe local stack is up:")
    for name, record in records.items():
        print(f"  {name:<28} {record['url']}  (container {record['id'][:12]}, image {record['image']})")
    print(f"  API key: {where}")
    print(f"\nPOST {backend['url']}/api/predict (X-API-Key) -> HTTP {status}")
    print(f"  {json.dumps(answer)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
