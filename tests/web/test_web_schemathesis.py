"""Property-based tests of the JSON API from its own OpenAPI schema: no input makes the
server fail (no 5xx). Examples are bounded to stay fast."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from tests.web.world import World
from vigil.review.users import create_api_token

EXAMPLES = 10


def test_api_never_fails_with_a_server_error(app: FastAPI, world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    token = create_api_token(app.state.db, "lea")
    operations = [result.ok() for result in schema.get_all_operations()]
    # Only this API's operations: other routers (feeds) are their owners' to test.
    operations = [op for op in operations if op.path.startswith("/api/")]
    assert len(operations) >= 10
    failures: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            # With a lead's token every operation runs past authentication (the public ones
            # ignore it); without one, the guarded ones stop at 401, which other tests check.
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.text[:200]}")

        check()
    assert failures == []
