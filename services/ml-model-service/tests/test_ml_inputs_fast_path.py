"""The batch reader's one-pass path (a body without true/false) agrees with the exact path on every input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ml_model_service.inputs import instances_matrix
from service_kit.errors import ApiError

N = 3
GOOD = [[1.5, -2.0, 3.25], [0.0, 1e30, -1e-30]]


def outcome(rows, body):
    try:
        return instances_matrix({"instances": rows}, N, 1000, body=body)
    except ApiError as exc:
        return (exc.status, exc.code, exc.field)


@pytest.mark.parametrize(
    "rows",
    [
        GOOD,
        [[1, 2, 3], [4, 5, 6]],  # all integers: numpy infers int64
        [[1, 2.5, 3]],
        [[1.0, "2", 3.0]],  # numpy would read the string as 2.0 given a float dtype
        [[1.0, [2.0], 3.0]],
        [[1.0, {"a": 1}, 3.0]],
        [[2**70, 1.0, 1.0]],  # beyond int64
        [[2**70, 1, 1]],
        [[1e39, 1.0, 1.0]],  # beyond float32
        [[-1e39, 1.0, 1.0]],
        [[1.0, 2.0], [1.0, 2.0, 3.0]],
        [[1.0, 2.0, 3.0], 4.0],
    ],
)
def test_one_pass_and_exact_path_agree(rows):
    body = json.dumps({"instances": rows}).encode()
    assert b"u" not in body and b"l" not in body  # the body takes the one-pass path
    fast, exact = outcome(rows, body), outcome(rows, None)
    if isinstance(exact, np.ndarray):
        assert isinstance(fast, np.ndarray) and fast.dtype == exact.dtype == np.float32
        assert np.array_equal(fast, exact)
    else:
        assert fast == exact


@pytest.mark.parametrize("value", [True, False, None])
def test_true_false_and_null_are_refused_on_the_exact_path(value):
    rows = [[1.0, value, 3.0]]
    body = json.dumps({"instances": rows}).encode()
    assert outcome(rows, body) == outcome(rows, None) == (422, "not_a_number", "instances[0][1]")


def test_a_key_with_a_u_or_an_l_still_reads_the_numbers():
    # Another key sends the batch down the exact path, with the same result.
    payload = {"instances": GOOD, "label": "usual"}
    body = json.dumps(payload).encode()
    x = instances_matrix(payload, N, 1000, body=body)
    assert np.array_equal(x, np.asarray(GOOD, dtype=np.float32))
