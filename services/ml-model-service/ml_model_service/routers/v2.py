"""The Open Inference Protocol (KServe V2) REST API, JSON tensors (FP32/FP64).

Errors use the service's one error shape, whose top-level ``error`` key V2 clients read.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ml_model_service import __version__
from ml_model_service.errors import ApiError
from ml_model_service.inputs import FLOAT32_MAX, parse_json, require_json
from ml_model_service.model import ServedModel
from ml_model_service.routers.predict import NUMPY, score, served_model
from ml_model_service.schemas import ERRORS

router = APIRouter(prefix="/v2", tags=["open-inference-v2"])
DATATYPES = {"FP32": np.float32, "FP64": np.float64}
OUTPUTS = ("label", "probabilities")


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=NUMPY), status, media_type="application/json")


def _model(request: Request, name: str, version: str | None = None) -> ServedModel:
    runtime = request.app.state.runtime
    if name != runtime.settings.model_name:
        raise ApiError(404, "model_not_found", f"no model named {name!r}", "model_name")
    model = served_model(runtime)
    if version is not None and version != model.version:
        raise ApiError(
            404, "model_version_not_found", f"version {version!r} of {name!r} is not served",
            "model_version",
        )  # fmt: skip
    return model


def _label_datatype(model: ServedModel) -> str:
    return "INT64" if all(isinstance(c, int) for c in model.classes) else "BYTES"


@router.get("/health/live")
async def live() -> Response:
    return _json({"live": True})


@router.get("/health/ready")
async def server_ready(request: Request) -> Response:
    ready = request.app.state.runtime.holder.model is not None
    return _json({"ready": ready}, 200 if ready else 503)


@router.get("")
async def server_metadata(request: Request) -> Response:
    return _json({"name": "ml-model-service", "version": __version__, "extensions": []})


async def _model_metadata(request: Request, model_name: str, version: str | None) -> Response:
    model = _model(request, model_name, version)
    return _json(
        {
            "name": model_name,
            "versions": [model.version],
            "platform": "onnxruntime_onnx",
            "inputs": [{"name": model.input_name, "datatype": "FP32", "shape": [-1, model.n_features]}],
            "outputs": [
                {"name": "label", "datatype": _label_datatype(model), "shape": [-1]},
                {"name": "probabilities", "datatype": "FP32", "shape": [-1, len(model.classes)]},
            ],
            "parameters": {"feature_names": model.feature_names, "classes": model.classes},
        }
    )


@router.get("/models/{model_name}", responses={404: ERRORS[404]})
async def model_metadata(request: Request, model_name: str) -> Response:
    return await _model_metadata(request, model_name, None)


@router.get("/models/{model_name}/versions/{model_version}", responses={404: ERRORS[404]})
async def model_version_metadata(request: Request, model_name: str, model_version: str) -> Response:
    return await _model_metadata(request, model_name, model_version)


@router.get("/models/{model_name}/ready", responses={404: ERRORS[404]})
async def model_ready(request: Request, model_name: str) -> Response:
    model = _model(request, model_name)
    return _json({"name": model_name, "versions": [model.version], "ready": True})


@router.get("/models/{model_name}/versions/{model_version}/ready", responses={404: ERRORS[404]})
async def model_version_ready(request: Request, model_name: str, model_version: str) -> Response:
    _model(request, model_name, model_version)
    return _json({"name": model_name, "versions": [model_version], "ready": True})


def _tensor(payload: Any, model: ServedModel, max_rows: int) -> np.ndarray:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object", None)
    inputs = payload.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1:
        raise ApiError(400, "invalid_inputs", "inputs must be a list holding one tensor", "inputs")
    tensor = inputs[0]
    if not isinstance(tensor, dict):
        raise ApiError(400, "invalid_inputs", "a tensor must be a JSON object", "inputs[0]")
    for key in ("name", "shape", "datatype", "data"):
        if key not in tensor:
            raise ApiError(400, "missing_field", f"the tensor needs {key!r}", f"inputs[0].{key}")
    if tensor["name"] != model.input_name:
        raise ApiError(400, "unknown_input", f"the model's input is {model.input_name!r}", "inputs[0].name")
    datatype = tensor["datatype"]
    if datatype not in DATATYPES:
        raise ApiError(
            400, "unsupported_datatype", f"datatype must be FP32 or FP64, got {datatype!r}",
            "inputs[0].datatype",
        )  # fmt: skip
    shape = tensor["shape"]
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(type(d) is int for d in shape)
        or shape[1] != model.n_features
        or shape[0] < 1
    ):
        raise ApiError(
            400, "invalid_shape", f"shape must be [rows, {model.n_features}], got {shape!r}",
            "inputs[0].shape",
        )  # fmt: skip
    if shape[0] > max_rows:
        raise ApiError(
            413, "batch_too_large", f"{shape[0]} rows; at most {max_rows} per request",
            "inputs[0].shape",
        )  # fmt: skip
    data = tensor["data"]
    if not isinstance(data, list):
        raise ApiError(400, "invalid_data", "data must be a list", "inputs[0].data")
    if data and isinstance(data[0], list):  # row-major nested form
        if not all(isinstance(row, list) for row in data):
            raise ApiError(400, "invalid_data", "data mixes rows and values", "inputs[0].data")
        data = list(chain.from_iterable(data))
    if len(data) != shape[0] * shape[1]:
        raise ApiError(
            400, "invalid_data", f"shape {shape} needs {shape[0] * shape[1]} values, got {len(data)}",
            "inputs[0].data",
        )  # fmt: skip
    for i, value in enumerate(data):
        if type(value) not in (int, float):
            kind = "null" if value is None else type(value).__name__
            raise ApiError(400, "not_a_number", f"expected a number, got {kind}", f"inputs[0].data[{i}]")
    x = np.asarray(data, dtype=np.float64).reshape(shape)
    if not np.all(np.abs(x) <= FLOAT32_MAX):
        i = int(np.argmin(np.abs(x.ravel()) <= FLOAT32_MAX))
        raise ApiError(
            400, "out_of_range", "values must be finite and within the float32 range",
            f"inputs[0].data[{i}]",
        )  # fmt: skip
    return x.astype(np.float32)


async def _infer(request: Request, model_name: str, version: str | None) -> Response:
    runtime = request.app.state.runtime
    model = _model(request, model_name, version)
    require_json(request.headers.get("content-type", "").encode("latin-1") or None)
    payload = parse_json(await request.body())
    x = _tensor(payload, model, runtime.settings.max_batch_size)
    wanted = list(OUTPUTS)
    if payload.get("outputs") is not None:
        requested = payload["outputs"]
        if not isinstance(requested, list) or not all(
            isinstance(o, dict) and o.get("name") in OUTPUTS for o in requested
        ):
            raise ApiError(400, "unknown_output", f"outputs are {list(OUTPUTS)}", "outputs")
        wanted = [o["name"] for o in requested]
    probabilities, winners = score(runtime, model, x)
    rows = int(x.shape[0])
    outputs = []
    for name in wanted:
        if name == "label":
            labels = [model.classes[i] for i in winners.tolist()]
            outputs.append({"name": "label", "datatype": _label_datatype(model), "shape": [rows], "data": labels})
        else:
            outputs.append(
                {
                    "name": "probabilities",
                    "datatype": "FP32",
                    "shape": [rows, len(model.classes)],
                    "data": probabilities.ravel(),
                }
            )
    body: dict[str, Any] = {"model_name": model_name, "model_version": model.version, "outputs": outputs}
    if payload.get("id") is not None:
        body["id"] = payload["id"]
    return _json(body)


@router.post("/models/{model_name}/infer", responses=ERRORS)
async def infer(request: Request, model_name: str) -> Response:
    """Inference on one FP32/FP64 tensor of shape [rows, features]."""
    return await _infer(request, model_name, None)


@router.post("/models/{model_name}/versions/{model_version}/infer", responses=ERRORS)
async def infer_version(request: Request, model_name: str, model_version: str) -> Response:
    return await _infer(request, model_name, model_version)
