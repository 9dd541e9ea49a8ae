"""Fuzzing from the OpenAPI document (schemathesis): no request makes the server fail (no 5xx).

Runs against the real server on a loopback port: for every documented operation, a
bounded number of requests generated from the schema (Hypothesis, derandomized so a
failure repeats). 503 counts as a server error too: no generated query should come
near the time limit. (schemathesis' own pytest plugin does not load under pytest 9,
so the operations are driven here directly.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EXAMPLES = 50  # per operation: about 20 operations, well under two minutes


def test_no_generated_request_makes_a_server_error(server):
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    failures, ran = [], []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(timeout=30)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
        ran.append(f"{operation.method.upper()} {operation.path}")
    assert len(ran) >= 14, ran
    assert not failures, "\n\n".join(failures)
