"""POST /predict and POST /predict/batch."""

from __future__ import annotations

import numpy as np
import orjson
from fastapi import APIRouter
from service_kit.content import require_json
from service_kit.fastpath import JSON, Call, fast_route
from service_kit.schemas import prediction_routes

from ml_model_service.inputs import features_row, instances_matrix, parse_json
from ml_model_service.model import ServedModel
from ml_model_service.schemas import ERRORS

NUMPY = orjson.OPT_SERIALIZE_NUMPY


def served_model(runtime) -> ServedModel:
    model = runtime.holder.model
    if model is None:
        raise runtime.not_ready_error()
    return model


def score(runtime, model: ServedModel, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and the index of the winning class per row; feeds metrics and drift."""
    probabilities = model.predict_proba(x)
    winners = probabilities.argmax(axis=1)
    runtime.metrics.count_predictions(model.class_keys, winners)
    model.drift.record(x)
    return probabilities, winners


def batch_result(model: ServedModel, probabilities: np.ndarray, winners: np.ndarray) -> dict:
    classes = model.classes
    return {
        "model_version": model.version,
        "count": int(probabilities.shape[0]),
        "classes": classes,
        "predictions": [classes[i] for i in winners.tolist()],
        "confidences": probabilities.max(axis=1),
        "probabilities": probabilities,
    }


async def predict(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Predict one row: `{"features": [...]}` -> prediction, confidence, probabilities."""
    require_json(call.content_type)
    payload = parse_json(await call.body(runtime.settings.max_body_bytes))
    model = served_model(runtime)
    x = features_row(payload, model.n_features)
    probabilities, winners = score(runtime, model, x)
    row = probabilities[0]
    best = int(winners[0])
    body = {
        "prediction": model.classes[best],
        "confidence": row[best],
        "probabilities": dict(zip(model.class_keys, row, strict=True)),
        "model_version": model.version,
    }
    return 200, orjson.dumps(body, option=NUMPY), JSON


async def predict_batch(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """Predict many rows: `{"instances": [[...], ...]}` (at most MAX_BATCH_SIZE rows)."""
    require_json(call.content_type)
    body = await call.body(runtime.settings.max_body_bytes)
    payload = parse_json(body)
    model = served_model(runtime)
    x = instances_matrix(payload, model.n_features, runtime.settings.max_batch_size, body=body)
    probabilities, winners = score(runtime, model, x)
    return 200, orjson.dumps(batch_result(model, probabilities, winners), option=NUMPY), JSON


router = APIRouter(tags=["predict"])
single, batch = prediction_routes(ERRORS)
fast_route(router, "POST", "/predict", predict, **single)
fast_route(router, "POST", "/predict/batch", predict_batch, **batch)
