"""Behind the ALB, /ml/* reaches this service unrewritten: PATH_PREFIX=/ml serves the same routes."""


def test_routes_answer_with_and_without_the_prefix(client_for, bundles, sample_rows):
    client = client_for(model_uri=str(bundles["v1"] / "model.tar.gz"), path_prefix="/ml")
    with_prefix = client.post("/ml/predict", json={"features": sample_rows[0]})
    without_prefix = client.post("/predict", json={"features": sample_rows[0]})
    assert with_prefix.status_code == 200, with_prefix.text
    assert with_prefix.json()["prediction"] == without_prefix.json()["prediction"]
    assert client.get("/ml/health").status_code == 200
    assert client.get("/ping").status_code == 200


def test_a_path_that_only_starts_like_the_prefix_is_not_stripped(client_for, bundles):
    client = client_for(model_uri=str(bundles["v1"] / "model.tar.gz"), path_prefix="/ml")
    assert client.get("/mlhealth").status_code == 404


def test_without_a_prefix_the_prefixed_path_is_unknown(client, sample_rows):
    assert client.post("/ml/predict", json={"features": sample_rows[0]}).status_code == 404
