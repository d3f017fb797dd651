"""Fixtures for the admin and browser tests: enrolled citizens, reports, one user per role.

``agencies`` (the demo agencies) comes from tests/conftest.py.
"""
import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from citizens.models import Citizen
from citizens.validators import check_character
from officials.services import roles_setup
from points.models import Agency
from points.services import citizen_enroll, event_report

PASSWORD = "a-long-test-password-123"
_sequence = itertools.count(1)
CASE_TYPES = {"drunk_driving_conviction", "bribery_conviction", "unpaid_court_judgment"}


def resident_id(born: datetime.date, sequence: int) -> str:
    first17 = f"320324{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def make_citizen(name="Wang Fang", district="Suicheng", born=datetime.date(1980, 5, 17), enrol=True,
                 days_enrolled=400) -> Citizen:
    """A registered citizen, enrolled (with the starting points) ``days_enrolled`` days ago."""
    citizen = Citizen.objects.create(resident_id=resident_id(born, next(_sequence)), name=name, birth_date=born,
                                     sex="F", district=district)
    if enrol:
        citizen_enroll(citizen=citizen, at=timezone.now() - datetime.timedelta(days=days_enrolled))
        citizen.refresh_from_db()
    return citizen


def report(citizen, event_type="drunk_driving_conviction", agency="court", attributes=None, days_ago=10):
    """Report one event through the service layer, as the named agency."""
    if attributes is None and event_type in CASE_TYPES:
        attributes = {"case_number": f"(2026) Su 0324 Xing Chu {next(_sequence)}"}
    result = event_report(
        agency=Agency.objects.get(code=agency), resident_id=citizen.resident_id, event_type=event_type,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago), attributes=attributes or {},
        idempotency_key=f"test-{next(_sequence)}",
    )
    citizen.refresh_from_db()
    return result.event


def make_user(username, group=None, *, staff=True, superuser=False):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=staff,
                                                is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def roles(db):
    return roles_setup()


@pytest.fixture
def official(roles):
    return make_user("official1", "Officials")


@pytest.fixture
def second_official(roles):
    return make_user("official2", "Officials")


@pytest.fixture
def auditor(roles):
    return make_user("auditor", "Auditors")


@pytest.fixture
def policy_author(roles):
    return make_user("author", "Policy authors")


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def citizen(agencies):
    return make_citizen()


@pytest.fixture
def conviction(citizen):
    """An applied drunk-driving conviction on ``citizen``."""
    return report(citizen)
