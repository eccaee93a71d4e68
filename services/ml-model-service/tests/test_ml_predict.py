"""The app API: health, readiness, predictions, metadata, metrics, drift and request ids."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
from ml_model_service.bundle import read_bundle


def reference_proba(bundles, rows) -> np.ndarray:
    onnx_bytes, _ = read_bundle(bundles["v1"])
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"input": np.asarray(rows, dtype=np.float32)})[0]


def test_health_and_ready(client):
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/ready").json() == {"ready": True, "model_version": "1"}


def test_predict_matches_onnx_runtime(client, bundles, sample_rows):
    response = client.post("/predict", json={"features": sample_rows[0]})
    assert response.status_code == 200
    body = response.json()
    expected = reference_proba(bundles, sample_rows[:1])[0]
    assert body["model_version"] == "1"
    assert set(body["probabilities"]) == {"0", "1"}
    assert np.allclose([body["probabilities"]["0"], body["probabilities"]["1"]], expected, atol=1e-6)
    assert body["prediction"] == int(np.argmax(expected))
    assert abs(body["confidence"] - float(expected.max())) < 1e-6


def test_predict_batch(client, bundles, sample_rows):
    response = client.post("/predict/batch", json={"instances": sample_rows})
    assert response.status_code == 200
    body = response.json()
    expected = reference_proba(bundles, sample_rows)
    assert body["count"] == len(sample_rows) and body["classes"] == [0, 1]
    assert body["predictions"] == np.argmax(expected, axis=1).tolist()
    assert np.allclose(body["probabilities"], expected, atol=1e-6)
    assert np.allclose(body["confidences"], expected.max(axis=1), atol=1e-6)


def test_metadata(client, v1_meta):
    body = client.get("/metadata").json()
    assert body["version"] == "1" and body["model_sha256"] == v1_meta["model_sha256"]
    assert body["feature_names"] == v1_meta["feature_names"]
    assert body["metrics"] == v1_meta["metrics"]
    assert body["last_reload"]["status"] == "succeeded"


def test_metrics_exposes_requests_latency_classes_and_drift(client, sample_rows):
    for row in sample_rows[:25]:
        assert client.post("/predict", json={"features": row}).status_code == 200
    client.post("/predict", json={"features": [1]})
    text = client.get("/metrics").text
    assert 'ml_http_requests_total{method="POST",path="/predict",status="200"} 25.0' in text
    assert 'ml_http_requests_total{method="POST",path="/predict",status="422"} 1.0' in text
    assert 'ml_http_request_duration_seconds_count{path="/predict"} 26.0' in text
    by_class = [line for line in text.splitlines() if line.startswith("ml_predictions_total{")]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in by_class) == 25.0
    assert 'ml_drift_psi{feature="mean radius"}' in text
    assert "ml_drift_window_samples 25.0" in text
    assert 'ml_model_info{sha256="' in text


def test_drift_flags_shifted_traffic_only(client_for, bundles, sample_rows):
    from sklearn.datasets import load_breast_cancer

    rows = load_breast_cancer().data[:200]
    steady = client_for(model_uri=str(bundles["v1"]))
    assert steady.post("/predict/batch", json={"instances": rows.tolist()}).status_code == 200
    report = steady.get("/drift").json()
    assert report["sufficient_data"] and report["samples"] == 200
    assert not report["drifted"], report["drifted_features"]
    shifted = client_for(model_uri=str(bundles["v1"]))
    moved = rows.copy()
    moved[:, 0] *= 3.0  # "mean radius" far outside its training range
    assert shifted.post("/predict/batch", json={"instances": moved.tolist()}).status_code == 200
    report = shifted.get("/drift").json()
    assert report["drifted"] and "mean radius" in report["drifted_features"]
    assert report["psi"]["mean radius"] > 1.0


def test_drift_waits_for_enough_samples(client, sample_rows):
    client.post("/predict", json={"features": sample_rows[0]})
    report = client.get("/drift").json()
    assert report["samples"] == 1 and not report["sufficient_data"] and not report["drifted"]


def test_request_id_is_propagated_or_generated(client, sample_rows):
    given = client.post("/predict", json={"features": sample_rows[0]}, headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = client.get("/metadata")
    assert len(made.headers["x-request-id"]) == 32
    hostile = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"
    error = client.post("/predict", json={}, headers={"X-Request-ID": "err-1"})
    assert error.json()["request_id"] == "err-1"


def test_openapi_documents_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/predict", "/predict/batch", "/invocations", "/ping", "/health", "/ready",
                 "/metadata", "/metrics", "/drift", "/admin/reload", "/v2/models/{model_name}/infer"):  # fmt: skip
        assert path in paths
    schema = paths["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "features" in schema["properties"]
    assert client.get("/docs").status_code == 200


def test_openapi_bounds_rows_to_the_models_features(client):
    """A generic fuzzer reads the schema: rows must be exactly the model's width, V2 infer has a body."""
    paths = client.get("/openapi.json").json()["paths"]

    def body(path):
        return paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]

    features = body("/predict")["properties"]["features"]
    assert features["minItems"] == features["maxItems"] == 30
    for path in ("/predict/batch", "/invocations"):
        instances = body(path)["properties"]["instances"]
        assert instances["maxItems"] == 1000 and instances["items"]["minItems"] == instances["items"]["maxItems"] == 30
    tensor = body("/v2/models/{model_name}/infer")["properties"]["inputs"]["items"]["properties"]
    assert tensor["name"]["const"] == "input" and tensor["shape"]["prefixItems"][1]["const"] == 30
    assert tensor["datatype"]["enum"] == ["FP32", "FP64"]
    error = paths["/v2/models/{model_name}/infer"]["post"]["responses"]["400"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/V2ErrorResponse")
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]


def test_openapi_admin_reload_shows_its_bearer_scheme_and_body(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/admin/reload"]["post"]
    assert operation["security"] == [{"AdminToken": []}]
    assert schema["components"]["securitySchemes"]["AdminToken"] == {
        "type": "http", "scheme": "bearer", "description": "the ADMIN_TOKEN setting",
    }  # fmt: skip
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReloadRequest")


def test_access_log_one_json_line_per_request(client_for, bundles, sample_rows, capfd):
    import json

    logged = client_for(model_uri=str(bundles["v1"]), access_log=True)
    logged.post("/predict", json={"features": sample_rows[0]}, headers={"X-Request-ID": "log-1"})
    logged.app.state.runtime.access_log.flush()
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"log-1"' in line]
    assert len(lines) == 1
    assert lines[0]["status"] == 200 and lines[0]["path"] == "/predict" and lines[0]["duration_ms"] > 0
