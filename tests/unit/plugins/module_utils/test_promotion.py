"""The promotion gates' grammar and arithmetic (module_utils/promotion.py), as plain data."""

import pytest

from ansible_collections.mlops.aws_deploy.plugins.module_utils import promotion


@pytest.mark.parametrize(
    ("expression", "metric", "operator", "reference", "value"),
    [
        ("accuracy >= 0.95", "accuracy", ">=", "absolute", 0.95),
        ("roc_auc>=current", "roc_auc", ">=", "current", 0.0),
        ("f1 > current - 0.01", "f1", ">", "current", -0.01),
        ("log_loss <= current + 1e-3", "log_loss", "<=", "current", 0.001),
        ("accuracy == 1", "accuracy", "==", "absolute", 1.0),
    ],
)
def test_gate_expressions_parse(expression, metric, operator, reference, value):
    gate = promotion.parse_gate(expression)
    assert (gate["metric"], gate["operator"], gate["reference"]) == (metric, operator, reference)
    assert gate["value"] == pytest.approx(value)


@pytest.mark.parametrize("expression", ["accuracy => 0.9", "accuracy >=", ">= 0.9", "accuracy >= currentish",
                                        "accuracy >= 0.9 and f1 >= 0.9", "accuracy >= current * 2"])
def test_malformed_gate_expressions_are_refused(expression):
    with pytest.raises(promotion.PromotionError, match="malformed gate expression"):
        promotion.parse_gate(expression)


def test_must_beat_current_allows_the_tolerance_and_no_more():
    parsed = promotion.parse_gates({"must_beat_current": True, "compare_metrics": ["accuracy"], "tolerance": 0.01})
    current = {"version": "1", "metrics": {"accuracy": 0.95}}
    assert promotion.metric_rows(parsed, {"accuracy": 0.94}, current)[0]["passed"]
    assert not promotion.metric_rows(parsed, {"accuracy": 0.939}, current)[0]["passed"]
    assert promotion.metric_rows(parsed, {"accuracy": 0.5}, None)[0]["passed"]  # nothing live: nothing to beat
