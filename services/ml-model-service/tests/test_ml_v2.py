"""Open Inference Protocol V2: health, model metadata/ready, infer with FP32/FP64 tensors."""

from __future__ import annotations

import numpy as np
import pytest


def infer_body(rows, datatype="FP32", nested=False, **extra):
    data = rows if nested else [v for row in rows for v in row]
    return {"inputs": [{"name": "input", "shape": [len(rows), 30], "datatype": datatype, "data": data}], **extra}


def test_health(client):
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get("/v2").json()["name"] == "ml-model-service"


def test_model_metadata_and_ready(client):
    meta = client.get("/v2/models/model").json()
    assert meta["name"] == "model" and meta["versions"] == ["1"]
    assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 30]}]
    assert {o["name"] for o in meta["outputs"]} == {"label", "probabilities"}
    assert client.get("/v2/models/model/ready").json()["ready"] is True
    assert client.get("/v2/models/model/versions/1").status_code == 200
    assert client.get("/v2/models/model/versions/1/ready").json()["ready"] is True
    assert client.get("/v2/models/other").status_code == 404
    assert client.get("/v2/models/model/versions/9").status_code == 404


@pytest.mark.parametrize(("datatype", "nested"), [("FP32", False), ("FP64", True)])
def test_infer(client, sample_rows, datatype, nested):
    rows = sample_rows[:3]
    response = client.post("/v2/models/model/infer", json=infer_body(rows, datatype, nested, id="req-7"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == "model" and body["model_version"] == "1" and body["id"] == "req-7"
    outputs = {o["name"]: o for o in body["outputs"]}
    probs = outputs["probabilities"]
    assert probs["datatype"] == "FP32" and probs["shape"] == [3, 2]
    matrix = np.asarray(probs["data"]).reshape(3, 2)
    assert np.allclose(matrix.sum(axis=1), 1.0, atol=1e-5)
    assert outputs["label"] == {"name": "label", "datatype": "INT64", "shape": [3],
                                "data": matrix.argmax(axis=1).tolist()}  # fmt: skip
    same = client.post("/predict/batch", json={"instances": rows}).json()
    assert np.allclose(same["probabilities"], matrix, atol=1e-6)


def test_infer_selected_output_and_version_path(client, sample_rows):
    body = infer_body(sample_rows[:1], outputs=[{"name": "label"}])
    response = client.post("/v2/models/model/versions/1/infer", json=body)
    assert [o["name"] for o in response.json()["outputs"]] == ["label"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["inputs"][0].update(datatype="INT8"), "inputs[0].datatype"),
        (lambda b: b["inputs"][0].update(name="x"), "inputs[0].name"),
        (lambda b: b["inputs"][0].update(shape=[1, 29]), "inputs[0].shape"),
        (lambda b: b["inputs"][0].update(shape=[2, 30]), "inputs[0].data"),
        (lambda b: b["inputs"][0]["data"].__setitem__(4, "x"), "inputs[0].data[4]"),
        (lambda b: b["inputs"][0]["data"].__setitem__(5, 1e300), "inputs[0].data[5]"),
        (lambda b: b["inputs"][0].pop("data"), "inputs[0].data"),
        (lambda b: b.update(inputs=[]), "inputs"),
        (lambda b: b.update(outputs=[{"name": "nope"}]), "outputs"),
    ],
)
def test_infer_bad_requests_are_400(client, sample_rows, mutate, field):
    body = infer_body(sample_rows[:1])
    mutate(body)
    response = client.post("/v2/models/model/infer", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]  # V2's shape: a string, starting with the field at fault
    assert isinstance(error, str) and error.startswith(field + ":"), error


def test_infer_unknown_model_is_404(client, sample_rows):
    response = client.post("/v2/models/other/infer", json=infer_body(sample_rows[:1]))
    assert response.status_code == 404
    assert response.json() == {"error": "model_name: no model named 'other'"}


def test_infer_without_content_type_is_json(client, sample_rows):
    """Triton, MLServer and KServe take a JSON body without a Content-Type; tritonclient sends none."""
    import orjson

    body = orjson.dumps(infer_body(sample_rows[:2]))
    response = client.post("/v2/models/model/infer", content=body, headers={"Content-Type": ""})
    assert response.status_code == 200, response.text
    assert response.json()["outputs"][0]["shape"] == [2]


def test_infer_other_content_type_is_415_in_v2_shape(client, sample_rows):
    response = client.post("/v2/models/model/infer", content=b"a,b", headers={"Content-Type": "text/csv"})
    assert response.status_code == 415
    assert response.json() == {"error": "content-type: expected application/json, got text/csv"}


def test_binary_extension_in_and_out(client, sample_rows):
    """The binary tensor extension by hand: JSON header + raw FP64 input; binary outputs back."""
    import orjson

    x = np.asarray(sample_rows[:3], dtype="<f8")
    header = orjson.dumps({
        "inputs": [{"name": "input", "shape": [3, 30], "datatype": "FP64",
                    "parameters": {"binary_data_size": x.nbytes}}],
        "parameters": {"binary_data_output": True},
    })  # fmt: skip
    response = client.post(
        "/v2/models/model/infer", content=header + x.tobytes(),
        headers={"Inference-Header-Content-Length": str(len(header))},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    length = int(response.headers["inference-header-content-length"])
    meta = orjson.loads(response.content[:length])
    sizes = {o["name"]: o["parameters"]["binary_data_size"] for o in meta["outputs"]}
    assert sizes == {"label": 3 * 8, "probabilities": 3 * 2 * 4}
    blob = response.content[length:]
    labels = np.frombuffer(blob[:24], dtype="<i8")
    probabilities = np.frombuffer(blob[24:], dtype="<f4").reshape(3, 2)
    assert labels.tolist() == probabilities.argmax(axis=1).tolist()
    same = client.post("/predict/batch", json={"instances": sample_rows[:3]}).json()
    assert np.allclose(same["probabilities"], probabilities, atol=1e-6)


def _binary_request(rows, size):
    import orjson

    header = orjson.dumps({"inputs": [{"name": "input", "shape": [len(rows), 30], "datatype": "FP64",
                                        "parameters": {"binary_data_size": size}}]})  # fmt: skip
    return header, np.asarray(rows, dtype="<f8").tobytes()


def test_binary_extension_header_length_beyond_the_body_is_400(client, sample_rows):
    header, data = _binary_request(sample_rows[:1], 240)
    response = client.post("/v2/models/model/infer", content=header + data,
                           headers={"Inference-Header-Content-Length": "99999"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"].startswith("inference-header-content-length:")


def test_binary_extension_size_not_matching_the_shape_is_400(client, sample_rows):
    header, data = _binary_request(sample_rows[:1], 100)
    response = client.post("/v2/models/model/infer", content=header + data[:100],
                           headers={"Inference-Header-Content-Length": str(len(header))})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"].startswith("inputs[0].parameters.binary_data_size: shape [1, 30] of FP64")
