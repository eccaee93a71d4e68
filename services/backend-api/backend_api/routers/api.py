"""POST /api/predict and POST /api/predict/batch, forwarded to the model."""

from __future__ import annotations

from fastapi import APIRouter, Security
from fastapi.security import APIKeyHeader
from service_kit.content import require_json
from service_kit.errors import ApiError
from service_kit.fastpath import Call, fast_route
from service_kit.schemas import ErrorResponse, prediction_routes

from backend_api.auth import check_api_key

# The scheme in the OpenAPI document. auto_error=False: the handlers check the key themselves
# (the fast path never runs FastAPI's dependencies) and answer in the service's error shape.
api_key = APIKeyHeader(name="X-API-Key", scheme_name="ApiKey", auto_error=False, description="the API key")


async def _forward(runtime, call: Call, path: str) -> tuple[int, bytes, bytes]:
    check_api_key(runtime.api_key, call.api_key)
    require_json(call.content_type)
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


ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 422, 502, 503, 504)}


router = APIRouter(prefix="/api", tags=["predict"], dependencies=[Security(api_key)])
single, batch = prediction_routes(ERRORS)
fast_route(router, "POST", "/predict", predict, **single)
fast_route(router, "POST", "/predict/batch", predict_batch, **batch)
