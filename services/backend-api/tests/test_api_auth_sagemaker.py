# ruff: noqa: S106 - fake credentials and secret names for the offline AWS
"""API key from Secrets Manager, fail-closed start-up, and forwarding to a SageMaker endpoint."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from api_helpers import make_settings
from backend_api.app import create_app
from backend_api.auth import ConfigurationError
from backend_api.forward import SageMakerForwarder
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from fastapi.testclient import TestClient


@pytest.mark.parametrize("secret", ["from-secrets-1", json.dumps({"api_key": "from-secrets-1"})])
def test_key_from_secrets_manager(aws_env, stub_ml, secret):
    boto3.client("secretsmanager").create_secret(Name="api/key", SecretString=secret)
    settings = make_settings(api_key=None, api_key_secret_id="api/key", ml_service_url=stub_ml.url)
    with TestClient(create_app(settings)) as client:
        ok = client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": "from-secrets-1"})
        assert ok.status_code == 200
        assert (
            client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": secret + "x"}).status_code
            == 401
        )


def test_refuses_to_start_without_a_key(monkeypatch):
    monkeypatch.delenv("API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="API_KEY"), TestClient(create_app(make_settings(api_key=None))):
        pass


def test_refuses_to_start_when_the_secret_is_missing(aws_env):
    app = create_app(make_settings(api_key=None, api_key_secret_id="nope"))
    with pytest.raises(ConfigurationError, match="cannot read secret"), TestClient(app):
        pass


BATCH_RESULT = {
    "model_version": "5", "count": 1, "classes": [0, 1], "predictions": [1],
    "confidences": [0.8], "probabilities": [[0.2, 0.8]],
}  # fmt: skip


@pytest.fixture
def sagemaker_client(client_for, monkeypatch):
    runtime_client = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    monkeypatch.setattr(
        SageMakerForwarder,
        "__init__",
        lambda self, name, timeout, retries, client=None: (
            setattr(self, "endpoint_name", name) or setattr(self, "client", runtime_client)
        ),
    )
    client = client_for(sagemaker_endpoint_name="ml-endpoint")
    with Stubber(runtime_client) as stubber:
        yield client, stubber


def expect_invoke(stubber, instances, result):
    stubber.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(json.dumps(result).encode()), len(json.dumps(result))),
         "ContentType": "application/json"},
        {"EndpointName": "ml-endpoint", "ContentType": "application/json", "Accept": "application/json",
         "Body": json.dumps({"instances": instances}, separators=(",", ":")).encode(),
         "CustomAttributes": "request-id=sm-1"},
    )  # fmt: skip


def test_sagemaker_single_prediction(sagemaker_client):
    client, stubber = sagemaker_client
    expect_invoke(stubber, [[1.0, 2.0]], BATCH_RESULT)
    response = client.post(
        "/api/predict", json={"features": [1.0, 2.0]}, headers={"X-API-Key": "test-key-123", "X-Request-ID": "sm-1"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "prediction": 1,
        "confidence": 0.8,
        "probabilities": {"0": 0.2, "1": 0.8},
        "model_version": "5",
    }
    stubber.assert_no_pending_responses()
    assert client.get("/ready").json()["backend"] == "sagemaker"


def test_sagemaker_batch(sagemaker_client):
    client, stubber = sagemaker_client
    expect_invoke(stubber, [[1.0], [2.0]], {**BATCH_RESULT, "count": 2})
    response = client.post("/api/predict/batch", json={"instances": [[1.0], [2.0]]},
                           headers={"X-API-Key": "test-key-123", "X-Request-ID": "sm-1"})  # fmt: skip
    assert response.status_code == 200 and response.json()["count"] == 2


def test_sagemaker_model_error_4xx_passes_through(sagemaker_client):
    client, stubber = sagemaker_client
    original = json.dumps({"error": {"code": "wrong_feature_count", "message": "expected 30", "field": "instances[0]"}})
    stubber.add_client_error(
        "invoke_endpoint", service_error_code="ModelError", service_message="bad", http_status_code=424,
        response_meta={}, modeled_fields={"OriginalStatusCode": 422, "OriginalMessage": original},
    )  # fmt: skip
    response = client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": "test-key-123"})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "wrong_feature_count",
        "message": "expected 30",
        "field": "instances[0]",
    }


def test_sagemaker_failures_map_to_5xx(sagemaker_client):
    client, stubber = sagemaker_client
    stubber.add_client_error("invoke_endpoint", service_error_code="ValidationError", http_status_code=400)
    response = client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": "test-key-123"})
    assert response.status_code == 502 and "Traceback" not in response.text
    stubber.add_client_error("invoke_endpoint", service_error_code="ThrottlingException", http_status_code=400)
    response = client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": "test-key-123"})
    assert response.status_code == 503


def test_sagemaker_read_timeout_is_504(client_for, monkeypatch):
    class Slow:
        def invoke_endpoint(self, **kwargs):
            raise ReadTimeoutError(endpoint_url="http://sagemaker")

    monkeypatch.setattr(
        SageMakerForwarder, "__init__",
        lambda self, name, timeout, retries, client=None: (
            setattr(self, "endpoint_name", name) or setattr(self, "client", Slow())
        ),
    )  # fmt: skip
    client = client_for(sagemaker_endpoint_name="ml-endpoint")
    response = client.post("/api/predict", json={"features": [1.0]}, headers={"X-API-Key": "test-key-123"})
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"


def test_sagemaker_bad_body_is_4xx(sagemaker_client):
    client, _ = sagemaker_client
    bad = client.post(
        "/api/predict", content=b"{", headers={"X-API-Key": "test-key-123", "Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    missing = client.post("/api/predict", json={"x": 1}, headers={"X-API-Key": "test-key-123"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "features"
