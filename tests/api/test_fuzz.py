"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis, in-process WSGI).

Every operation gets generated valid and invalid requests, sent once as a
reporting agency, once as a service agency and once as an official. Checks: no
5xx, status codes, content types, headers and bodies as documented, and invalid
input rejected with a 4xx. Path parameters and report bodies are sometimes
swapped for real resident IDs, event ids and event types so that the deep
paths run too. Bounded by ``API_FUZZ_EXAMPLES`` per operation (default 100; about a minute).
"""
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from points.models import Event
from rules.registry import current_policy
from tests.api.conftest import WHEN, report_body

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "100"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


def _load_schema():
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=True, database="none")
    return loaded


schema = _load_schema()
REAL: dict = {}  # real resident IDs, event ids, event types and services, filled per test


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    params = dict(path_parameters or {})
    if "resident_id" in params:
        return st.one_of(st.just(path_parameters), st.sampled_from(REAL["resident_ids"]).map(
            lambda rid: {**params, "resident_id": rid}))
    if "event_id" in params:
        return st.one_of(st.just(path_parameters), st.sampled_from(REAL["event_ids"]).map(
            lambda eid: {**params, "event_id": eid}))
    return st.just(path_parameters)


@schema.hook
def flatmap_query(context, query):
    if query and "service" in query:
        return st.one_of(st.just(query), st.sampled_from(REAL["services"]).map(lambda s: {**query, "service": s}))
    return st.just(query)


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict) or "event_type" not in body:
        return st.just(body)
    realistic = st.tuples(st.sampled_from(REAL["resident_ids"]), st.sampled_from(REAL["event_types"])).map(
        lambda pair: {**body, "resident_id": pair[0], "event_type": pair[1], "occurred_at": WHEN.isoformat()})
    return st.one_of(st.just(body), realistic)


@pytest.fixture(autouse=True)
def real_records(make_citizen, as_agency):
    """A few real citizens and events, so generated requests also reach the deep paths."""
    citizens = [make_citizen() for _ in range(3)]
    as_agency("court").post("/api/v1/events/", report_body(citizens[0], key="seed"))
    REAL.update(resident_ids=[c.resident_id for c in citizens],
                event_ids=list(Event.objects.values_list("pk", flat=True)),
                event_types=sorted(current_policy().event_types), services=list(current_policy().services))
    # Requests go through the real WSGI handler, which would close the test's connection (and with it the
    # test transaction) at each request's start and end; Django's own test client unhooks these too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    rates = {"caller": "1000000/min", "batch": "1000000/min"}  # fuzz the endpoints, not the throttle
    with override_settings(REST_FRAMEWORK={**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Who is allowed to call each operation (forbidden roles are covered by the unit tests; a 403 ends a request
# before it reaches the interesting code, so each case goes to the roles that get through).
ROLES = {
    "/api/v1/events/": ["court"],
    "/api/v1/events/batch/": ["court"],
    "/api/v1/events/{event_id}/retract/": ["court", "official"],
    "/api/v1/citizens/{resident_id}/": ["official"],
    "/api/v1/citizens/{resident_id}/ledger/": ["court", "official"],
    "/api/v1/citizens/{resident_id}/eligibility/": ["licensing", "official"],
}


@pytest.fixture
def credentials(tokens):
    from tests.api.conftest import OFFICIAL_PASSWORD, basic

    headers = {code: {"Authorization": f"Token {token}"} for code, token in tokens.items()}
    headers["official"] = {"Authorization": basic("official", OFFICIAL_PASSWORD)}
    return headers


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, credentials):
    checks = CHECKS
    if case.operation.path == "/api/v1/events/batch/":
        # By design a batch answers 200 and rejects each invalid item on its own (tested in test_batch.py);
        # only an invalid envelope is a 400.
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    for role in ROLES.get(case.operation.path, ["court", "licensing", "official"]):
        case.call_and_validate(headers=credentials[role], checks=checks)
