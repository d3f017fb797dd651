"""Shared fixtures: invented citizens and the demo agencies, on the real database."""
import datetime
import itertools
import os

import pytest
from django.db import connections
from django.test import TransactionTestCase

from citizens.models import Citizen
from citizens.synthetic import resident_id
from points.demo import demo_agencies
from points.services import citizen_enroll
from points.synthetic import PILOT_START
from tests import dbroles

_sequence = itertools.count()

# Tests are written against the English texts: they run with English as the fallback language (the
# shipped default is zh-hans, config/settings.py), and the servers they start in subprocesses too.
# A test about Chinese asks for it, as a browser would: Accept-Language, or translation.override.
os.environ["LANGUAGE_CODE"] = "en"


@pytest.fixture(autouse=True, scope="session")
def _english_unless_asked():
    """English when a request or a test names no language (LocaleMiddleware's fallback)."""
    from django.test.utils import override_settings

    with override_settings(LANGUAGE_CODE="en"):
        yield


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """LocaleMiddleware activates the language a request asked for and leaves it active in the thread:
    without this, a test's Accept-Language would decide the next test's language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _no_published_version_checks():
    """The published-version check (rules/apps.py) queries the database once a second; tests that
    exercise it install their own (tests/policy)."""
    from rules import registry

    registry.set_resolver(None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With DATABASE_APP_ROLE on PostgreSQL: created and migrated as the owner, tested as the
    application role, flushed as the owner (tests/dbroles.py)."""
    with django_db_blocker.unblock():
        restricted = dbroles.restricted()
    if not restricted:
        yield
        return
    owner = dbroles.OWNER = dbroles._settings()["USER"]
    original = TransactionTestCase._fixture_teardown

    def flush_as_owner(self):
        with dbroles.connected_as_owner(owner):
            original(self)

    TransactionTestCase._fixture_teardown = flush_as_owner
    with django_db_blocker.unblock():
        dbroles.switch_user(dbroles.APP_ROLE, os.environ.get("DATABASE_APP_PASSWORD"))
    yield
    TransactionTestCase._fixture_teardown = original
    with django_db_blocker.unblock():
        dbroles.switch_user(owner, os.environ.get("DATABASE_OWNER_PASSWORD"))
        connections.close_all()


@pytest.fixture
def as_db_owner(transactional_db):
    """This (transactional) test connects as the owner of the tables: for ANALYZE and flush, which
    the application role may not run. Without roles it changes nothing."""
    if not dbroles.restricted():
        yield
        return
    with dbroles.connected_as_owner(dbroles.OWNER):
        yield


@pytest.fixture(autouse=True)
def _checkpoint_store(settings, tmp_path):
    """Each test has a checkpoint store of its own: checkpoints describe one database's ledger."""
    settings.LEDGER_CHECKPOINT_DIR = tmp_path / "checkpoints"


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
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
