"""The Open Inference Protocol (KServe V2) REST API: FP32/FP64 tensors, JSON or binary.

Errors here take the protocol's shape, ``{"error": "<message>"}``: standard V2 clients
(tritonclient, KServe's) read ``error`` as a string. The message starts with the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from service_kit.errors import ApiError
from service_kit.schemas import body_doc

from ml_model_service import __version__
from ml_model_service.model import ServedModel
from ml_model_service.routers.predict import NUMPY, score, served_model
from ml_model_service.runtime import Runtime, RuntimeDep
from ml_model_service.schemas import V2_ERRORS, InferRequest, InferResponse
from ml_model_service.v2_tensors import HEADER_LENGTH, encode_response, input_matrix, requested_outputs, split_body

OUTPUTS = ("label", "probabilities")


def v2_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps({"error": message}), status, headers=headers, media_type="application/json")


class V2Route(APIRoute):
    """A route whose failures answer in V2's error shape instead of the service's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def v2_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as exc:
                message = f"{exc.field}: {exc.message}" if exc.field else exc.message
                return v2_error(exc.status, message, exc.headers)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                return v2_error(422, str(first.get("msg", "invalid request")))

        return v2_handler


router = APIRouter(prefix="/v2", tags=["open-inference-v2"], route_class=V2Route)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=NUMPY), status, media_type="application/json")


def _model(runtime: Runtime, name: str, version: str | None = None) -> ServedModel:
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
async def server_ready(runtime: RuntimeDep) -> Response:
    ready = runtime.holder.model is not None
    return _json({"ready": ready}, 200 if ready else 503)


@router.get("")
async def server_metadata() -> Response:
    return _json({"name": "ml-model-service", "version": __version__, "extensions": []})


async def _model_metadata(runtime: Runtime, model_name: str, version: str | None) -> Response:
    model = _model(runtime, model_name, version)
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


@router.get("/models/{model_name}", responses={404: V2_ERRORS[404]})
async def model_metadata(runtime: RuntimeDep, model_name: str) -> Response:
    return await _model_metadata(runtime, model_name, None)


@router.get("/models/{model_name}/versions/{model_version}", responses={404: V2_ERRORS[404]})
async def model_version_metadata(runtime: RuntimeDep, model_name: str, model_version: str) -> Response:
    return await _model_metadata(runtime, model_name, model_version)


@router.get("/models/{model_name}/ready", responses={404: V2_ERRORS[404]})
async def model_ready(runtime: RuntimeDep, model_name: str) -> Response:
    model = _model(runtime, model_name)
    return _json({"name": model_name, "versions": [model.version], "ready": True})


@router.get("/models/{model_name}/versions/{model_version}/ready", responses={404: V2_ERRORS[404]})
async def model_version_ready(runtime: RuntimeDep, model_name: str, model_version: str) -> Response:
    _model(runtime, model_name, model_version)
    return _json({"name": model_name, "versions": [model_version], "ready": True})


async def _infer(runtime: Runtime, request: Request, model_name: str, version: str | None) -> Response:
    model = _model(runtime, model_name, version)
    headers = request.headers
    if headers.get("content-encoding", "identity").lower() != "identity":
        raise ApiError(415, "unsupported_encoding", "compressed request bodies are not accepted", "content-encoding")
    payload, binary = split_body(await request.body(), headers.get("content-type"), headers.get(HEADER_LENGTH))
    x = input_matrix(payload, binary, model.input_name, model.n_features, runtime.settings.max_batch_size)
    wanted = requested_outputs(payload, OUTPUTS)
    probabilities, winners = score(runtime, model, x)
    rows = int(x.shape[0])
    outputs = []
    for name, binary_out in wanted:
        if name == "label":
            tensor = {"name": "label", "datatype": _label_datatype(model), "shape": [rows]}
            outputs.append((tensor, [model.classes[i] for i in winners.tolist()], binary_out))
        else:
            tensor = {"name": "probabilities", "datatype": "FP32", "shape": [rows, len(model.classes)]}
            outputs.append((tensor, probabilities.ravel(), binary_out))
    body: dict[str, Any] = {"model_name": model_name, "model_version": model.version}
    if payload.get("id") is not None:
        body["id"] = payload["id"]
    content, extra = encode_response(body, outputs)
    media_type = "application/octet-stream" if extra else "application/json"
    return Response(content, headers=extra, media_type=media_type)


INFER_DOC = {
    "openapi_extra": body_doc(InferRequest, "application/octet-stream"),
    "responses": {200: {"model": InferResponse}, **V2_ERRORS},
}


@router.post("/models/{model_name}/infer", **INFER_DOC)
async def infer(runtime: RuntimeDep, request: Request, model_name: str) -> Response:
    """Inference on one FP32/FP64 tensor of shape [rows, features], as JSON or binary tensors."""
    return await _infer(runtime, request, model_name, None)


@router.post("/models/{model_name}/versions/{model_version}/infer", **INFER_DOC)
async def infer_version(runtime: RuntimeDep, request: Request, model_name: str, model_version: str) -> Response:
    return await _infer(runtime, request, model_name, model_version)
