"""Retries racing each other through the API on PostgreSQL: applied exactly once."""
import pytest
from rest_framework.test import APIClient

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from tests.api.conftest import report_body
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def _post_from_threads(token, path, body):
    def send(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(path, body)

    return run_in_threads(THREADS, send)


def test_same_report_from_8_threads_is_applied_once(make_citizen, tokens):
    citizen = make_citizen()
    responses = _post_from_threads(tokens["court"], "/api/v1/events/", report_body(citizen, key="retry-me"))
    assert [r.status_code for r in responses] == [201] * THREADS
    bodies = [r.json() for r in responses]
    assert sum(not b["replayed"] for b in bodies) == 1
    assert len({b["event_id"] for b in bodies}) == 1
    assert Event.objects.filter(citizen=citizen, idempotency_key="retry-me").count() == 1
    assert LedgerEntry.objects.filter(citizen=citizen, kind="rule").count() == 1
    assert Citizen.objects.get(pk=citizen.pk).score == 950


def test_same_batch_from_8_threads_is_applied_once(make_citizen, tokens):
    citizens = [make_citizen() for _ in range(3)]
    items = [report_body(c, key=f"b-{n}") for n, c in enumerate(citizens)]
    responses = _post_from_threads(tokens["court"], "/api/v1/events/batch/", {"items": items})
    assert [r.status_code for r in responses] == [200] * THREADS
    assert sum(r.json()["applied"] for r in responses) == 3
    assert sum(r.json()["replayed"] for r in responses) == 3 * (THREADS - 1)
    for citizen in citizens:
        assert Citizen.objects.get(pk=citizen.pk).score == 950
