"""Every class of bad input is a 4xx JSON error naming the field, never a 500."""

from __future__ import annotations

import pytest

GOOD = [1.0] * 30


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "field"),
    [
        ("/predict", b'{"features": [1, 2, 3]}', 422, "wrong_feature_count", "features"),
        (
            "/predict",
            b'{"features": ' + str([1.0] * 29 + ["x"]).replace("'", '"').encode() + b"}",
            422,
            "not_a_number",
            "features[29]",
        ),
        ("/predict", b'{"features": [' + b"1," * 29 + b"null]}", 422, "not_a_number", "features[29]"),
        ("/predict", b'{"features": [' + b"1," * 29 + b"true]}", 422, "not_a_number", "features[29]"),
        ("/predict", b'{"features": [' + b"1," * 29 + b"[1]]}", 422, "not_a_number", "features[29]"),
        ("/predict", b'{"features": [NaN' + b",1" * 29 + b"]}", 422, "non_finite_value", "features[0]"),
        ("/predict", b'{"features": [1, Infinity' + b",1" * 28 + b"]}", 422, "non_finite_value", "features[1]"),
        ("/predict", b'{"features": [1e39' + b",1" * 29 + b"]}", 422, "out_of_range", "features[0]"),
        ("/predict", b'{"features": "1,2"}', 422, "invalid_features", "features"),
        ("/predict", b'{"feature": []}', 422, "missing_field", "features"),
        ("/predict", b"[1, 2]", 422, "invalid_request", None),
        ("/predict", b'{"features": [1,', 400, "invalid_json", "body"),
        ("/predict", b"", 400, "invalid_json", "body"),
        ("/predict/batch", b'{"instances": []}', 422, "empty_batch", "instances"),
        ("/predict/batch", b'{"instances": [[1, 2]]}', 422, "wrong_feature_count", "instances[0]"),
        ("/predict/batch", b'{"instances": [1, 2]}', 422, "invalid_instances", "instances[0]"),
        ("/predict/batch", b'{"instances": {"a": 1}}', 422, "invalid_instances", "instances"),
        ("/predict/batch", b'{"rows": []}', 422, "missing_field", "instances"),
    ],
)
def test_bad_bodies(client, path, body, status, code, field):
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == field
    assert error["message"]


def test_non_numeric_in_a_batch_names_row_and_column(client):
    rows = [GOOD, GOOD[:-1] + ["7"]]
    response = client.post("/predict/batch", json={"instances": rows})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "instances[1][29]"


def test_nan_in_a_batch(client):
    body = b'{"instances": [[' + b"1," * 29 + b"1], [1," + b"NaN," + b"1," * 27 + b"1]]}"
    response = client.post("/predict/batch", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "non_finite_value",
        "message": "NaN and Infinity are not accepted as feature values",
        "field": "instances[1][1]",
    }


def test_oversized_batch(client_for, bundles):
    small = client_for(model_uri=str(bundles["v1"]), max_batch_size=5)
    response = small.post("/predict/batch", json={"instances": [GOOD] * 6})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"


@pytest.mark.parametrize("path", ["/predict", "/predict/batch", "/invocations", "/admin/reload",
                                  "/v2/models/model/infer"])  # fmt: skip
def test_body_over_the_limit_is_413(client_for, bundles, path):
    small = client_for(model_uri=str(bundles["v1"]), max_body_bytes=1000, admin_token="t")  # noqa: S106
    response = small.post(
        path, content=b"[" + b"1.0," * 600 + b"1]",
        headers={"Content-Type": "application/json", "Authorization": "Bearer t"},
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": "the body exceeds 1000 bytes",
        "field": "body",
    }


def test_chunked_body_over_the_limit_is_413(client_for, bundles):
    small = client_for(model_uri=str(bundles["v1"]), max_body_bytes=1000)

    def chunks():
        yield b'{"features": ['
        for _ in range(100):
            yield b"1.0000000000,"
        yield b"1]}"

    response = small.post("/predict", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/predict", content=b'{"features": []}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["field"] == "content-type"


def test_json_with_charset_is_accepted(client):
    response = client.post(
        "/predict", content=b'{"features": ' + str(GOOD).encode() + b"}",
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )  # fmt: skip
    assert response.status_code == 200


def test_wrong_method_and_unknown_path_use_the_error_shape(client):
    assert client.get("/predict").json()["error"]["code"] == "method_not_allowed"
    missing = client.get("/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_an_internal_failure_is_a_json_500_without_a_trace(client, monkeypatch):
    model = client.app.state.runtime.holder.model

    def broken(x):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(model, "predict_proba", broken)
    response = client.post("/predict", json={"features": GOOD})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret" not in response.text
