"""points.db's contract: each fast path behaves as its plain Django equivalent on every database, or refuses.

Run on SQLite and PostgreSQL (``/work/tools/pgtest.sh tests/core``); rows counts on both sides of
``COPY_FROM_ROWS`` so PostgreSQL's COPY and its INSERT are both checked.
"""
import pytest
from django.utils import timezone

from citizens.models import Citizen
from notices.models import Notice
from points.db import bulk
from points.models import Agency, AgencyGeneration, Event
from points.synthetic import PILOT_START

SIZES = [1, bulk.COPY_FROM_ROWS]


@pytest.mark.parametrize("count", SIZES)
def test_insert_all_runs_auto_now_add_as_bulk_create_does(db, count):
    before = timezone.now()
    agencies = bulk.insert_all(Agency, [bulk.build(Agency, code=f"a{n}", name="An agency") for n in range(count)])
    stored = Agency.objects.filter(pk__in=[a.pk for a in agencies])
    assert len(stored) == count
    assert all(a.created_at is not None and a.created_at >= before for a in stored)
    assert {a.pk: a.created_at for a in agencies} == {a.pk: a.created_at for a in stored}


def _event(citizen, agency, key):
    return bulk.build(Event, citizen=citizen, event_type="elderly_care", occurred_at=PILOT_START,
                      reported_at=PILOT_START, agency=agency, idempotency_key=key, fingerprint="f", policy_version="v")


@pytest.mark.parametrize("count", SIZES)
def test_insert_all_takes_the_key_of_a_related_instance_saved_after_it_was_assigned(db, agencies, count):
    person = Citizen(resident_id="110105194912310020", name="测试", birth_date=PILOT_START.date(), sex="M",
                     district="Suicheng")
    events = [_event(person, agencies["civil_affairs"], f"k{n}") for n in range(count)]
    person.save()
    bulk.insert_all(Event, events)
    assert set(Event.objects.filter(pk__in=[e.pk for e in events]).values_list("citizen_id", flat=True)) == {person.pk}


@pytest.mark.parametrize("count", SIZES)
def test_insert_all_refuses_an_unsaved_related_instance(db, agencies, count):
    person = Citizen(resident_id="110105194912310020", name="测试", birth_date=PILOT_START.date(), sex="M")
    with pytest.raises(ValueError, match="unsaved related object"):
        bulk.insert_all(Event, [_event(person, agencies["civil_affairs"], f"k{n}") for n in range(count)])
    assert not Event.objects.exists()


def test_insert_all_refuses_a_primary_key_it_cannot_number(db):
    with pytest.raises(bulk.DjangoChanged):
        bulk.insert_all(AgencyGeneration, [AgencyGeneration(id=2, value="x")])


def test_build_refuses_when_django_stores_more_than_the_fields(monkeypatch):
    original = Notice.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.something_new = True

    monkeypatch.setattr(Notice, "__init__", init)
    bulk._build_spec.cache_clear()
    try:
        with pytest.raises(bulk.DjangoChanged):
            bulk.build(Notice, citizen_id=1, event_id=2)
    finally:
        monkeypatch.undo()
        bulk._build_spec.cache_clear()
