"""The bodies both services document: predictions (backend-api forwards the ML service's shapes)
and the one error shape.

The hot endpoints parse bodies with orjson + numpy rather than through these models, which
would cost more than the model call itself; the shapes are the same.
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


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local ``$ref`` replaced by its definition (no ``$defs`` left)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def body_doc(model: type[BaseModel], *extra_types: str) -> dict[str, Any]:
    raw = model.model_json_schema()
    schema = _inline(raw, raw.get("$defs", {}))
    content = {"application/json": {"schema": schema}}
    for media_type in extra_types:
        content[media_type] = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": content}}


def prediction_routes(errors: dict[int, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """fast_route's documentation for the single and the batch prediction route, in that order."""
    single = {"openapi_extra": body_doc(PredictRequest), "responses": {200: {"model": PredictResponse}, **errors}}
    batch = {"openapi_extra": body_doc(BatchRequest), "responses": {200: {"model": BatchResponse}, **errors}}
    return single, batch
