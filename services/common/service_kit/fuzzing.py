"""A bounded schemathesis run over a running service's OpenAPI document (for the services' tests).

Every operation gets a few positive and negative examples (no shrinking, a deadline per example,
an overall time budget); the checks are the ones a client relies on: no 5xx, and every status,
content type and body as documented. schemathesis is a test dependency, imported only here.
"""

from __future__ import annotations

import time
from typing import Any


def fuzz_openapi(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    max_examples: int = 10,
    budget_seconds: float = 120.0,
) -> tuple[list[str], list[str]]:
    """(operations run, failures as "METHOD /path [mode]: what failed")."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_url(base_url + "/openapi.json")
    deadline = time.monotonic() + budget_seconds
    ran: list[str] = []
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Negative cases need something that can be wrong: a body (any string is a valid path part).
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if len(operation.body) else [])
        for mode in modes:
            if time.monotonic() > deadline:
                failures.append(f"{operation.label} [{mode.value}]: not run, the time budget is spent")
                continue

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=max_examples, deadline=5000, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck), derandomize=True, database=None,
            )  # fmt: skip
            def run(case: Any) -> None:
                case.call_and_validate(base_url=base_url, headers=headers, checks=checks, timeout=5)

            started = time.monotonic()
            try:
                run()
            except Unsatisfiable:
                pass  # nothing to generate in this mode (e.g. no negative case for a bare GET)
            except Exception as exc:  # schemathesis raises its failure group; keep going, report all
                failures.append(f"{operation.label} [{mode.value}]: {exc}"[:2000])
            ran.append(f"{operation.label} [{mode.value}] {time.monotonic() - started:.1f}s")
    return ran, failures
