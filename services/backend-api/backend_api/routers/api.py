"""POST /api/predict and POST /api/predict/batch, forwarded to the model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend_api.auth import check_api_key
from backend_api.errors import ApiError
from backend_api.fastpath import Call, as_endpoint

_JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


def _require_json(content_type: bytes | None) -> None:
    if content_type in _JSON_TYPES:
        return
    main = (content_type or b"").split(b";", 1)[0].strip().lower()
    if main != b"application/json":
        shown = content_type.decode("latin-1") if content_type else "none"
        raise ApiError(415, "unsupported_media_type", f"expected application/json, got {shown}", "content-type")


async def _forward(runtime, call: Call, path: str) -> tuple[int, bytes, bytes]:
    check_api_key(runtime.api_key, call.api_key)
    _require_json(call.content_type)
    body = await call.body(runtime.settings.max_body_bytes)
    if not body:
        raise ApiError(400, "invalid_json", "the request body is empty", "body")
    return await runtime.forwarder.forward(path, body, call.request_id)


async def predict(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """One prediction: `{"features": [...]}` -> prediction, confidence, probabilities, model_version."""
    return await _forward(runtime, call, "/predict")


async def predict_batch(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Many rows: `{"instances": [[...], ...]}` -> predictions, confidences, probabilities."""
    return await _forward(runtime, call, "/predict/batch")


FAST_ROUTES = {("POST", "/api/predict"): predict, ("POST", "/api/predict/batch"): predict_batch}


class PredictRequest(BaseModel):
    features: list[float] = Field(..., description="one value per feature, in the model's order")


class PredictResponse(BaseModel):
    prediction: Any
    confidence: float
    probabilities: dict[str, float]
    model_version: str


class BatchRequest(BaseModel):
    instances: list[list[float]]


class BatchResponse(BaseModel):
    model_version: str
    count: int
    classes: list[Any]
    predictions: list[Any]
    confidences: list[float]
    probabilities: list[list[float]]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorResponse(BaseModel):
    error: ErrorDetail
    request_id: str | None


ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 422, 502, 503, 504)}


def _body(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


router = APIRouter(prefix="/api", tags=["predict"])
router.add_api_route(
    "/predict",
    as_endpoint(predict),
    methods=["POST"],
    openapi_extra={**_body(PredictRequest), "security": [{"ApiKey": []}]},
    responses={200: {"model": PredictResponse}, **ERRORS},
)
router.add_api_route(
    "/predict/batch",
    as_endpoint(predict_batch),
    methods=["POST"],
    openapi_extra={**_body(BatchRequest), "security": [{"ApiKey": []}]},
    responses={200: {"model": BatchResponse}, **ERRORS},
)
