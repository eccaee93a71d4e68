"""Pydantic models that document the ML service's own bodies in the OpenAPI schema (the prediction
bodies, shared with backend-api, are in service_kit.schemas).

The hot endpoints parse bodies with orjson + numpy (see inputs.py) rather than through these
models, which would cost more than the model call itself; the shapes are the same.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from service_kit.schemas import ErrorResponse


class ReloadRequest(BaseModel):
    uri: str = Field(..., description="path or s3:// URI of a model.tar.gz")
    sha256: str | None = Field(None, description="expected sha256 of model.onnx")
    version: str | None = Field(None, description="expected metadata version")


class InferTensor(BaseModel):
    name: str = Field(..., description="the model's input name (see /v2/models/{name})")
    shape: list[int] = Field(..., min_length=2, max_length=2, description="[rows, features]")
    datatype: Literal["FP32", "FP64"]
    data: list[float] | list[list[float]] | None = Field(
        None, description="row-major values, flat or nested; absent with the binary extension"
    )
    parameters: dict[str, Any] | None = Field(None, description="binary_data_size with the binary extension")


class RequestedOutput(BaseModel):
    name: Literal["label", "probabilities"]
    parameters: dict[str, Any] | None = Field(None, description="binary_data: answer this output in binary")


class InferRequest(BaseModel):
    id: str | None = None
    inputs: list[InferTensor] = Field(..., min_length=1, max_length=1)
    outputs: list[RequestedOutput] | None = None
    parameters: dict[str, Any] | None = Field(None, description="binary_data_output: every output in binary")


class OutputTensor(BaseModel):
    name: str
    datatype: str
    shape: list[int]
    data: list[Any] | None = None
    parameters: dict[str, Any] | None = None


class InferResponse(BaseModel):
    model_name: str
    model_version: str
    id: str | None = None
    outputs: list[OutputTensor]


class V2ErrorResponse(BaseModel):
    error: str = Field(..., description="what is wrong, starting with the field at fault")


ERRORS = {code: {"model": ErrorResponse} for code in (400, 404, 413, 415, 422, 503)}
V2_ERRORS = {code: {"model": V2ErrorResponse} for code in (400, 404, 413, 415, 422, 503)}


def _json_body(schema: dict[str, Any], path: str) -> dict[str, Any] | None:
    operation = schema.get("paths", {}).get(path, {}).get("post", {})
    return operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")


def bound_to_model(schema: dict[str, Any], n_features: int, input_name: str, max_rows: int) -> dict[str, Any]:
    """Tighten the request bodies to the served model: rows of exactly ``n_features`` numbers."""
    row = {"minItems": n_features, "maxItems": n_features}
    if body := _json_body(schema, "/predict"):
        body["properties"]["features"].update(row)
    for path in ("/predict/batch", "/invocations"):
        if body := _json_body(schema, path):
            instances = body["properties"]["instances"]
            instances.update(minItems=1, maxItems=max_rows)
            instances["items"].update(row)
    for path in ("/v2/models/{model_name}/infer", "/v2/models/{model_name}/versions/{model_version}/infer"):
        if body := _json_body(schema, path):
            tensor = body["properties"]["inputs"]["items"]["properties"]
            tensor["name"]["const"] = input_name
            tensor["shape"]["prefixItems"] = [
                {"type": "integer", "minimum": 1, "maximum": max_rows},
                {"type": "integer", "const": n_features},
            ]
    return schema
