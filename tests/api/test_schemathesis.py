"""Every operation of the OpenAPI document, called with generated requests (valid and
invalid) as a volunteer, as a social worker and with no credentials, answers as the document
says: never a 5xx, a status listed for it, the documented content type and headers, a body
that matches its schema.

Bounded and repeatable: a few examples per operation and mode, derandomised, no example
database, no shrinking (each finding is kept with a curl line instead), so it adds about a
minute per database backend. Half the valid requests aim at objects the small world really
has (KNOWN), so answers other than 404 are checked too."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.errors import FailureGroup

from tests.api.conftest import SOCIAL_WORKER, VOLUNTEER, bearer

EXAMPLES = 10  # per operation and generation mode
# The operations are explored as PARTS tests (every PARTS-th operation, each part in a world
# of its own), which the two xdist workers share; together they call every operation.
PARTS = 4


@schemathesis.check
def status_code_listed(ctx, response, case):
    """Stricter than status_code_conformance: the status must be listed for the operation;
    the document's `default` (any other error has the Error shape) does not count."""
    listed = set(case.operation.responses.status_codes) - {"default"}
    if str(response.status_code) not in listed:
        raise AssertionError(f"{response.status_code} is not listed (listed: {sorted(listed)})")


CHECKS = [
    status_code_listed,
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]

# Objects of the world fixture, by path parameter.
KNOWN = {
    "claim_id": 1,
    "activity_id": 1,
    "benefit_id": 1,
    "redemption_id": 1,
    "booking_id": 1,
    "space_id": 1,
    "wait_id": 1,
    "code": "elder-companionship",
    "quarter": "2026Q3",
    "change_id": 1,
    "session_id": 1,
    "member_id": 1,
    "skill_id": 1,
    "application_id": 1,
    "objection_id": 1,
    "notification_id": 1,
    "ticket_id": 1,
    "photo_id": 1,
    "community_id": 1,
    "grant_id": 1,
    "payment_id": 1,
    "entry_id": 1,
    "programme_id": 1,
    "area": "economy",
}

# Revoking the caller's token would sign the rest of the run out: that call gets its own.
REVOKE = "DELETE /api/v1/auth/token"


def _strategy(operation, mode):
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if mode is GenerationMode.NEGATIVE or not names:
        return generated
    known = operation.as_strategy(
        generation_mode=mode, path_parameters={n: KNOWN[n] for n in names}
    )
    return st.one_of(generated, known)


def _explore(app, operation, mode, tokens, found: dict[str, list[str]]) -> None:
    """Run one operation's examples; each distinct finding is kept with how to reproduce it."""
    # Valid requests to an operation that needs a member, sent without one, are all 401 (an
    # invalid path value matches no route at all, so it is a 404 whoever asks).
    members_only = operation.definition.raw.get("security") != []
    must_be_401 = members_only and mode is GenerationMode.POSITIVE

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode))
    def explore(case):
        for role, headers in {**tokens, "anonymous": {}}.items():
            if operation.label == REVOKE and role != "anonymous":
                headers = bearer(app, VOLUNTEER if role == "volunteer" else SOCIAL_WORKER)
            try:
                # Plain bodies: the WSGI transport does not undo Content-Encoding, and the
                # app compresses for a client that accepts it (tests/web/test_assets.py).
                plain = {**headers, "Accept-Encoding": "identity"}
                answer = case.call_and_validate(headers=plain, checks=CHECKS)
                if role == "anonymous" and must_be_401 and answer.status_code != 401:
                    what = f"{operation.label}: answered {answer.status_code} with no credentials"
                    found.setdefault(what, []).append(f"as {role}: {case.as_curl_command()}")
            except FailureGroup as failures:
                for failure in failures.exceptions:
                    what = f"{operation.label}: {failure.title}: {failure.message[:300]}"
                    found.setdefault(what, []).append(f"as {role}: {case.as_curl_command()}")
            except Exception as error:  # the app raised instead of answering
                what = f"{operation.label}: {error!r}"[:400]
                found.setdefault(what, []).append(f"as {role}: {case.as_curl_command()}")

    try:
        explore()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label  # nothing there to get wrong


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
def test_every_operation_answers_as_its_document_says(app, world, part):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 57
    found: dict[str, list[str]] = {}
    for operation in operations[part::PARTS]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _explore(app, operation, mode, world, found)
    report = [f"{what} ({len(how)}×)\n    {how[0][:500]}" for what, how in found.items()]
    assert not found, f"{len(found)} findings:\n" + "\n".join(report)
