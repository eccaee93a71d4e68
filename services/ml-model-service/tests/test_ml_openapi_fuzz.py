"""schemathesis over every operation of the ML service's OpenAPI document, against a real server.

The document is bounded to the served model (rows of 30 numbers, V2 tensors named "input"), so
generated cases reach inference. Bounded: 8 examples per operation and mode, 120 s at most (~20 s here).
"""

from __future__ import annotations

import pytest

pytest.importorskip("schemathesis")
from service_kit.fuzzing import fuzz_openapi  # noqa: E402


def test_every_operation_answers_as_documented(live_server):
    ran, failures = fuzz_openapi(live_server.url, max_examples=8, budget_seconds=120)
    assert len(ran) >= 25, ran  # 19 operations, the 6 with a body also with negative cases
    assert failures == [], "\n\n".join(failures)
