"""The Open Inference Protocol V2 with its most used standard client, tritonclient (HTTP).

tritonclient sends no Content-Type, asks for binary outputs by default (binary_data_output) and
sends binary inputs (Inference-Header-Content-Length) unless told not to; it reads errors as
{"error": "<message>"}. Every combination runs against a real server process.
"""

from __future__ import annotations

import numpy as np
import pytest

httpclient = pytest.importorskip("tritonclient.http")
from tritonclient.utils import InferenceServerException  # noqa: E402


@pytest.fixture(scope="module")
def triton(live_server):
    client = httpclient.InferenceServerClient(f"127.0.0.1:{live_server.port}", connection_timeout=5, network_timeout=5)
    client.url = live_server.url
    yield client
    client.close()


def _expected(triton, rows):
    import httpx

    return np.asarray(httpx.post(triton.url + "/predict/batch", json={"instances": rows}).json()["probabilities"])


def test_server_and_model_metadata(triton):
    assert triton.is_server_live() and triton.is_server_ready()
    assert triton.is_model_ready("model")
    metadata = triton.get_model_metadata("model")
    assert metadata["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 30]}]
    assert triton.get_server_metadata()["name"] == "ml-model-service"


@pytest.mark.parametrize("datatype", ["FP32", "FP64"])
@pytest.mark.parametrize("n_rows", [1, 7])
@pytest.mark.parametrize("binary_in", [True, False])
@pytest.mark.parametrize("binary_out", [None, True, False])
def test_infer(triton, sample_rows, datatype, n_rows, binary_in, binary_out):
    x = np.asarray(sample_rows[:n_rows], dtype=np.float32 if datatype == "FP32" else np.float64)
    tensor = httpclient.InferInput("input", list(x.shape), datatype)
    tensor.set_data_from_numpy(x, binary_data=binary_in)
    outputs = None  # the client's default: every output, binary_data_output
    if binary_out is not None:
        outputs = [httpclient.InferRequestedOutput(n, binary_data=binary_out) for n in ("label", "probabilities")]
    result = triton.infer("model", [tensor], outputs=outputs, request_id="r-1")
    probabilities = result.as_numpy("probabilities")
    labels = result.as_numpy("label")
    assert probabilities.shape == (n_rows, 2) and probabilities.dtype == np.float32
    assert labels.tolist() == probabilities.argmax(axis=1).tolist()
    assert np.allclose(probabilities, _expected(triton, sample_rows[:n_rows]), atol=1e-6)
    assert result.get_response()["id"] == "r-1" and result.get_response()["model_version"] == "1"


def test_one_output_by_name(triton, sample_rows):
    tensor = httpclient.InferInput("input", [1, 30], "FP32")
    tensor.set_data_from_numpy(np.asarray(sample_rows[:1], dtype=np.float32))
    result = triton.infer("model", [tensor], outputs=[httpclient.InferRequestedOutput("label")])
    assert result.as_numpy("probabilities") is None and result.as_numpy("label").shape == (1,)


@pytest.mark.parametrize("binary_in", [True, False])
def test_wrong_shape_is_a_client_exception(triton, sample_rows, binary_in):
    tensor = httpclient.InferInput("input", [1, 29], "FP32")
    tensor.set_data_from_numpy(np.asarray([sample_rows[0][:29]], dtype=np.float32), binary_data=binary_in)
    with pytest.raises(InferenceServerException) as caught:
        triton.infer("model", [tensor])
    assert caught.value.status() == "400"
    assert caught.value.message() == "inputs[0].shape: shape must be [rows, 30], got [1, 29]"


def test_unknown_model_is_a_client_exception(triton):
    with pytest.raises(InferenceServerException) as caught:
        triton.get_model_metadata("nope")
    assert caught.value.status() == "404" and "no model named 'nope'" in caught.value.message()
