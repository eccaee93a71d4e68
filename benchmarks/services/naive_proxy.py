"""The naive backend proxy kept as the benchmark baseline: do NOT copy this.

A new blocking HTTP client (connection, TLS context) per request, called from an async handler,
so the event loop stalls for every upstream call.

    NAIVE_ML_URL=http://127.0.0.1:9000 uvicorn naive_proxy:app --port 9001
"""

from __future__ import annotations

import os

import httpx
from fastapi import FastAPI, Request

app = FastAPI(title="naive-backend")
ML_URL = os.environ.get("NAIVE_ML_URL", "http://127.0.0.1:9000")


@app.get("/ready")
async def ready() -> dict:
    return {"ready": True}


@app.post("/api/predict")
async def predict(request: Request) -> dict:
    body = await request.json()
    with httpx.Client() as client:
        response = client.post(ML_URL + "/predict", json=body, timeout=60)
    return response.json()
