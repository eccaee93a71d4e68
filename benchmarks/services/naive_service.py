"""The naive ML service kept as the benchmark baseline: do NOT copy this.

What makes it slow is what a first version typically does: a pickled scikit-learn forest, and
``predict`` + ``predict_proba`` (each a joblib dispatch over 100 trees) per request, in a sync
handler behind pydantic validation.

    python naive_service.py --train model.pkl      # write the pickle (trusted, made here)
    NAIVE_MODEL=model.pkl uvicorn naive_service:app --port 9000
"""

from __future__ import annotations

import os
import pickle
import sys

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel


def train(path: str) -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier

    data = load_breast_cancer()
    model = RandomForestClassifier(n_estimators=100, random_state=0).fit(data.data, data.target)
    with open(path, "wb") as handle:
        pickle.dump(model, handle)


app = FastAPI(title="naive-ml-service")
_model = None
if "NAIVE_MODEL" in os.environ:  # loaded at import, as such services often do
    with open(os.environ["NAIVE_MODEL"], "rb") as _handle:
        _model = pickle.load(_handle)  # noqa: S301 - the baseline's flaw, on a pickle this script made


class PredictRequest(BaseModel):
    features: list[float]


@app.get("/ready")
def ready() -> dict:
    return {"ready": _model is not None}


@app.post("/predict")
def predict(request: PredictRequest) -> dict:
    x = np.array([request.features])
    prediction = _model.predict(x)[0]
    probabilities = _model.predict_proba(x)[0]
    return {
        "prediction": int(prediction),
        "confidence": float(max(probabilities)),
        "probabilities": {str(c): float(p) for c, p in zip(_model.classes_, probabilities, strict=True)},
        "model_version": "naive",
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--train":
        train(sys.argv[2])
    else:
        sys.exit(__doc__)
