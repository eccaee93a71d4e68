"""The SageMaker container contract: serve on 8080, GET /ping, POST /invocations (JSON and CSV)."""

from __future__ import annotations

import os
import stat
import sys
import tarfile

import httpx
import numpy as np
from ml_helpers import SERVICE_ROOT


def test_ping(client):
    response = client.get("/ping")
    assert response.status_code == 200 and response.json()["model_version"] == "1"


def test_invocations_json_instances(client, sample_rows):
    response = client.post("/invocations", json={"instances": sample_rows[:3]})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and len(body["probabilities"]) == 3 and body["model_version"] == "1"


def test_invocations_json_single_features(client, sample_rows):
    response = client.post("/invocations", json={"features": sample_rows[0]})
    assert response.status_code == 200 and response.json()["count"] == 1


def test_invocations_csv_in_json_out(client, sample_rows):
    csv_body = "\n".join(",".join(repr(v) for v in row) for row in sample_rows[:4]) + "\n"
    response = client.post("/invocations", content=csv_body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    json_body = client.post("/invocations", json={"instances": sample_rows[:4]}).json()
    assert response.json()["predictions"] == json_body["predictions"]


def test_invocations_csv_out(client, sample_rows):
    response = client.post("/invocations", json={"instances": sample_rows[:2]}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert len(lines) == 2
    label, p0, p1 = lines[0].split(",")
    assert label in {"0", "1"} and abs(float(p0) + float(p1) - 1.0) < 1e-5


def test_invocations_bad_inputs(client):
    bad_csv = client.post("/invocations", content="1,2,x\n", headers={"Content-Type": "text/csv"})
    assert bad_csv.status_code == 422 and bad_csv.json()["error"]["field"] == "rows[0]"
    row = ",".join(["1"] * 29 + ["abc"])
    bad_cell = client.post("/invocations", content=row, headers={"Content-Type": "text/csv"})
    assert bad_cell.status_code == 422 and bad_cell.json()["error"]["field"] == "rows[0][29]"
    nan_cell = client.post("/invocations", content=",".join(["1"] * 29 + ["nan"]), headers={"Content-Type": "text/csv"})
    assert nan_cell.status_code == 422 and nan_cell.json()["error"]["code"] == "non_finite_value"
    empty = client.post("/invocations", content="\n", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_batch"
    wrong_type = client.post("/invocations", content="x", headers={"Content-Type": "application/xml"})
    assert wrong_type.status_code == 415
    not_acceptable = client.post("/invocations", json={"instances": [[1] * 30]}, headers={"Accept": "image/png"})
    assert not_acceptable.status_code == 406


def test_serve_entrypoint_on_opt_ml_model_layout(bundles, tmp_path, start_server, sample_rows):
    """`serve` (as `docker run image serve`) with the model extracted as SageMaker does."""
    model_dir = tmp_path / "opt" / "ml" / "model"
    model_dir.mkdir(parents=True)
    with tarfile.open(bundles["v1"] / "model.tar.gz") as tar:
        tar.extractall(model_dir, filter="data")
    serve = SERVICE_ROOT / "bin" / "serve"
    assert serve.stat().st_mode & stat.S_IXUSR
    env = {"MODEL_URI": str(model_dir), "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    server = start_server(env, wait=False, command=[str(serve)])
    server.wait_ready("/ping")
    result = httpx.post(server.url + "/invocations", json={"instances": sample_rows[:2]}, timeout=5)
    assert result.status_code == 200
    assert np.isclose(sum(result.json()["probabilities"][0]), 1.0, atol=1e-5)


def test_bin_serve_script_runs_the_module():
    text = (SERVICE_ROOT / "bin" / "serve").read_text()
    assert "ml_model_service" in text and text.startswith("#!")


def _runtime_client_at(url):
    """boto3's sagemaker-runtime with each request sent to the container's own /invocations.

    SageMaker takes the client's InvokeEndpoint and hands its body, Content-Type and Accept to the
    container's POST /invocations; rerouting the signed request there tests the same contract.
    """
    import boto3

    client = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", endpoint_url=url,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip

    def to_container(request, **_):
        request.url = url + "/invocations"

    client.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint", to_container)
    return client


def test_boto3_sagemaker_runtime_json_and_csv(live_server, sample_rows):
    import json

    client = _runtime_client_at(live_server.url)
    response = client.invoke_endpoint(
        EndpointName="ml", ContentType="application/json", Accept="application/json",
        Body=json.dumps({"instances": sample_rows[:3]}),
    )  # fmt: skip
    assert response["ContentType"] == "application/json"
    body = json.loads(response["Body"].read())
    assert body["count"] == 3 and body["model_version"] == "1"
    csv_body = "\n".join(",".join(repr(v) for v in row) for row in sample_rows[:2])
    response = client.invoke_endpoint(EndpointName="ml", ContentType="text/csv", Accept="text/csv", Body=csv_body)
    lines = response["Body"].read().decode().splitlines()
    assert response["ContentType"] == "text/csv" and len(lines) == 2
    assert lines[0].split(",")[0] == str(body["predictions"][0])
