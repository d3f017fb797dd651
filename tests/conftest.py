"""Shared fixtures: invented citizens and the demo agencies, on the real database."""
import datetime
import itertools

import pytest

from citizens.models import Citizen
from citizens.synthetic import resident_id
from points.demo import demo_agencies
from points.services import citizen_enroll
from points.synthetic import PILOT_START

_sequence = itertools.count()


@pytest.fixture(autouse=True, scope="session")
def _no_published_version_checks():
    """The published-version check (rules/apps.py) queries the database once a second; tests that
    exercise it install their own (tests/policy)."""
    from rules import registry

    registry.set_resolver(None)


@pytest.fixture
def agencies(db):
    """The demo agencies keyed by code (police, court, civil_affairs, ..., licensing)."""
    return {agency.code: agency for agency in demo_agencies()}


@pytest.fixture
def make_citizen(db):
    """Create (and by default enrol at the pilot start) an invented citizen."""

    def make(*, birth_date=datetime.date(1980, 5, 17), sex="M", district="Suicheng", enrol=True,
             enrolled_at=PILOT_START, **fields):
        citizen = Citizen.objects.create(
            resident_id=resident_id(birth_date, next(_sequence), sex), name="测试", birth_date=birth_date,
            sex=sex, district=district, **fields,
        )
        if enrol:
            citizen_enroll(citizen=citizen, at=enrolled_at)
            citizen.refresh_from_db()
        return citizen

    return make


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``postgres`` unless DATABASE_URL points at PostgreSQL."""
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
