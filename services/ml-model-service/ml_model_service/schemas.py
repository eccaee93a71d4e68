"""Pydantic models that document the bodies in the OpenAPI schema.

The hot endpoints parse bodies with orjson + numpy (see inputs.py) rather than through these
models, which would cost more than the model call itself; the shapes are the same.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PredictRequest(BaseModel):
    features: list[float] = Field(..., description="one value per feature, in metadata order")


class PredictResponse(BaseModel):
    prediction: Any = Field(..., description="the most probable class label")
    confidence: float
    probabilities: dict[str, float] = Field(..., description="class label -> probability")
    model_version: str


class BatchRequest(BaseModel):
    instances: list[list[float]] = Field(..., description="rows of features; bounded in size")


class BatchResponse(BaseModel):
    model_version: str
    count: int
    classes: list[Any]
    predictions: list[Any]
    confidences: list[float]
    probabilities: list[list[float]] = Field(..., description="per row, in `classes` order")


class ReloadRequest(BaseModel):
    uri: str = Field(..., description="path or s3:// URI of a model.tar.gz")
    sha256: str | None = Field(None, description="expected sha256 of model.onnx")
    version: str | None = Field(None, description="expected metadata version")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None


def body_doc(model: type[BaseModel], *extra_types: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    content = {"application/json": {"schema": schema}}
    for media_type in extra_types:
        content[media_type] = {"schema": {"type": "string"}}
    return {"requestBody": {"required": True, "content": content}}


ERRORS = {code: {"model": ErrorResponse} for code in (400, 404, 413, 415, 422, 503)}
