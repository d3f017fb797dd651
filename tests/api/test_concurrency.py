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


def test_one_key_for_8_citizens_at_once_is_applied_once(make_citizen, tokens):
    """Same key, other bodies: different row locks, so only the unique key decides; 1 applied, 7 conflicts."""
    citizens = [make_citizen() for _ in range(THREADS)]

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens['court']}")
        return client.post("/api/v1/events/", report_body(citizens[index], key="one-key"))

    responses = run_in_threads(THREADS, send)
    assert sorted(r.status_code for r in responses) == [201] + [409] * (THREADS - 1)
    assert Event.objects.filter(idempotency_key="one-key").count() == 1
    assert sorted(Citizen.objects.filter(pk__in=[c.pk for c in citizens]).values_list("score", flat=True)) == (
        [950] + [1000] * (THREADS - 1))


def test_8_threads_reporting_on_one_citizen_give_the_exact_score(make_citizen, tokens):
    """Threads share the remembered agency; each report is applied under the row lock, none lost."""
    citizen = make_citizen()

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens['police']}")
        return [client.post("/api/v1/events/", report_body(citizen, "traffic_violation", key=f"t{index}-{n}"))
                for n in range(5)]

    responses = [r for batch in run_in_threads(THREADS, send) for r in batch]
    assert [r.status_code for r in responses] == [201] * THREADS * 5
    citizen.refresh_from_db()
    deltas = LedgerEntry.objects.filter(citizen=citizen).values_list("delta", flat=True)
    assert citizen.score == sum(deltas) and len(deltas) == 1 + THREADS * 5


def test_same_batch_from_8_threads_is_applied_once(make_citizen, tokens):
    citizens = [make_citizen() for _ in range(3)]
    items = [report_body(c, key=f"b-{n}") for n, c in enumerate(citizens)]
    responses = _post_from_threads(tokens["court"], "/api/v1/events/batch/", {"items": items})
    assert [r.status_code for r in responses] == [200] * THREADS
    assert sum(r.json()["applied"] for r in responses) == 3
    assert sum(r.json()["replayed"] for r in responses) == 3 * (THREADS - 1)
    for citizen in citizens:
        assert Citizen.objects.get(pk=citizen.pk).score == 950
