"""The SageMaker inference container contract: GET /ping and POST /invocations on port 8080."""

from __future__ import annotations

import io

import numpy as np
import orjson
from fastapi import APIRouter
from service_kit.content import is_json_content_type
from service_kit.errors import ApiError
from service_kit.fastpath import JSON, Call, fast_route
from service_kit.schemas import BatchRequest, BatchResponse, body_doc

from ml_model_service.inputs import csv_matrix, instances_matrix, parse_json
from ml_model_service.routers.predict import NUMPY, batch_result, score, served_model
from ml_model_service.schemas import ERRORS

CSV = b"text/csv"


def _wants_csv(accept: bytes | None) -> bool:
    if not accept:
        return False
    types = [part.split(b";", 1)[0].strip().lower() for part in accept.split(b",")]
    if any(t in (b"application/json", b"*/*", b"application/*") or t.endswith(b"+json") for t in types):
        return False
    if b"text/csv" in types or b"text/*" in types:
        return True
    raise ApiError(406, "not_acceptable", "responses are application/json or text/csv", "accept")


def _csv_body(model, probabilities: np.ndarray, winners: np.ndarray) -> bytes:
    """One line per row: predicted label, then the probability of each class."""
    out = io.StringIO()
    for label_index, row in zip(winners.tolist(), probabilities.tolist(), strict=True):
        out.write(",".join([str(model.classes[label_index]), *(repr(round(p, 7)) for p in row)]))
        out.write("\n")
    return out.getvalue().encode()


async def ping(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """SageMaker health check: 200 once the model is loaded."""
    model = served_model(runtime)
    return 200, orjson.dumps({"status": "healthy", "model_version": model.version}), JSON


async def invocations(runtime, call: Call) -> tuple[int, bytes, bytes]:
    """SageMaker inference: JSON `{"instances": [[...]]}` (or `{"features": [...]}`) or text/csv rows."""
    wants_csv = _wants_csv(call.accept)
    content_type = call.content_type
    body = await call.body(runtime.settings.max_body_bytes)
    model = served_model(runtime)
    limit = runtime.settings.max_batch_size
    if is_json_content_type(content_type):
        payload = parse_json(body)
        if isinstance(payload, dict) and "features" in payload and "instances" not in payload:
            payload = {"instances": [payload["features"]]}
        x = instances_matrix(payload, model.n_features, limit, body=body)
    elif content_type is not None and content_type.split(b";", 1)[0].strip().lower() == CSV:
        x = csv_matrix(body, model.n_features, limit)
    else:
        shown = content_type.decode("latin-1") if content_type else "none"
        raise ApiError(
            415, "unsupported_media_type", f"expected application/json or text/csv, got {shown}",
            "content-type",
        )  # fmt: skip
    probabilities, winners = score(runtime, model, x)
    if wants_csv:
        return 200, _csv_body(model, probabilities, winners), CSV
    return 200, orjson.dumps(batch_result(model, probabilities, winners), option=NUMPY), JSON


router = APIRouter(tags=["sagemaker"])
fast_route(router, "GET", "/ping", ping, responses={503: ERRORS[503]})
fast_route(
    router, "POST", "/invocations", invocations, openapi_extra=body_doc(BatchRequest, "text/csv"),
    responses={200: {"model": BatchResponse}, 406: ERRORS[400], **ERRORS},
)  # fmt: skip
