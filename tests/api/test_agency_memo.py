"""Agencies remembered by token hash (``points.agencies``): no agency query per request (one read of
the generation), and every change to an agency — rotation, deactivation, an edit — takes effect on the
next request, whatever the cache holds (tests/api/test_redis_down.py stops a real Redis)."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from points.agencies import agency_deactivate, agency_for_token, agency_rotate_token
from points.models import AgencyGeneration
from tests.api.conftest import assert_error, report_body

URL = "/api/v1/event-types/"


def agency_queries(queries) -> list:
    return [q["sql"] for q in queries if 'FROM "points_agency"' in q["sql"]]


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_known_token_costs_no_query(as_agency):
    client = as_agency("court")
    assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    assert agency_queries(queries) == []


def test_without_the_memo_every_request_looks_the_token_up(as_agency, settings):
    settings.AGENCY_TOKEN_MEMO = False
    client = as_agency("court")
    assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    assert len(agency_queries(queries)) == 1


def test_rotation_refuses_the_remembered_token_at_once(agencies, tokens):
    old = client_with(tokens["court"])
    assert old.get(URL).status_code == 200  # remembered now
    new = agency_rotate_token(agency=agencies["court"])
    assert_error(old.get(URL), 401, "authentication_failed")
    assert client_with(new).get(URL).status_code == 200


def test_deactivation_refuses_the_remembered_token_at_once(agencies, tokens):
    client = client_with(tokens["police"])
    assert client.get(URL).status_code == 200
    agency_deactivate(agency=agencies["police"])
    assert_error(client.get(URL), 401, "authentication_failed")


def test_an_edit_saved_anywhere_takes_effect_at_once(agencies, tokens, make_citizen):
    """An official takes an event type away in the admin (a plain save): the next report is refused."""
    client = client_with(tokens["court"])
    citizen = make_citizen()
    assert client.post("/api/v1/events/", report_body(citizen)).status_code == 201
    court = agencies["court"]
    court.event_types = [t for t in court.event_types if t != "bribery_conviction"]
    court.save()
    assert_error(client.post("/api/v1/events/", report_body(citizen, key="k2")), 403, "forbidden")


def test_a_deleted_agency_is_forgotten(db, tokens):
    from points.agencies import agency_create

    agency, token = agency_create(code="pilot", name="Pilot office", kind="service", event_types=[])
    assert agency_for_token(token) == agency
    agency.delete()
    assert agency_for_token(token) is None


def test_a_cleared_cache_changes_nothing(as_agency, tokens, agencies):
    client = as_agency("court")
    assert client.get(URL).status_code == 200
    cache.clear()  # Redis restarted or evicted everything: the memo does not depend on it
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    assert agency_queries(queries) == []


def test_a_missing_generation_row_means_looking_up_every_time(as_agency, tokens):
    client = as_agency("court")
    AgencyGeneration.objects.all().delete()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        assert len(agency_queries(queries)) == 1


def test_the_generation_changes_with_the_agency_or_not_at_all(agencies):
    """A change rolled back leaves the generation as it was; one that commits carries its new one."""
    from django.db import transaction

    before = AgencyGeneration.objects.get().value
    with pytest.raises(RuntimeError), transaction.atomic():
        agency_rotate_token(agency=agencies["court"])
        raise RuntimeError("undone")
    assert AgencyGeneration.objects.get().value == before
    agency_rotate_token(agency=agencies["court"])
    assert AgencyGeneration.objects.get().value != before


def test_invalid_tokens_are_not_remembered(db):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert agency_for_token("not-a-token") is None
        assert len(agency_queries(queries)) == 1


@pytest.mark.parametrize("memo", [True, False])
def test_the_lookup_gives_the_active_agency(agencies, tokens, settings, memo):
    settings.AGENCY_TOKEN_MEMO = memo
    for _ in range(2):
        assert agency_for_token(tokens["court"]).pk == agencies["court"].pk
