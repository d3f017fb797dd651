"""Citizens with contacts, reports on their records, and a test client signed in through the real
code flow (the code read from the email Django's test backend kept)."""
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.fixtures.admin import make_citizen, official, report, roles, second_official  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_counters(settings, tmp_path):
    """Code-request counters live in the cache; evidence files in a directory of the test's own."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()
    yield
    cache.clear()


def with_email(citizen, email):
    citizen.email = email
    citizen.save(update_fields=["email"])
    return citizen


@pytest.fixture
def liu(agencies):
    """Liu Hu, with an email address and a court judgment (a deduction he can contest) on his record."""
    citizen = with_email(make_citizen(name="Liu Hu"), "liu.hu@example.org")
    event = report(citizen, "unpaid_court_judgment", "court", days_ago=5)
    citizen.refresh_from_db()
    citizen.contested = event
    return citizen


@pytest.fixture
def other(agencies):
    """Someone else, with their own deduction."""
    citizen = with_email(make_citizen(name="Zhao Min"), "zhao.min@example.org")
    citizen.contested = report(citizen, "drunk_driving_conviction", "court", days_ago=5)
    citizen.refresh_from_db()
    return citizen


def last_code(address) -> str:
    message = [m for m in mail.outbox if address in m.to][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def request_code(client, citizen):
    return client.post("/sign-in/", {"resident_id": citizen.resident_id})


def sign_in(client, citizen) -> Client:
    assert request_code(client, citizen).status_code == 302
    response = client.post("/sign-in/code/", {"code": last_code(citizen.email)})
    assert response.status_code == 302 and response["Location"] == "/record/", response.content[:500]
    return client


@pytest.fixture
def liu_client(liu):
    return sign_in(Client(), liu)
