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


# --- together and read_together ------------------------------------------------------------------


def _entry_and_grade_change(citizen, event):
    from points.models import GradeChange, LedgerEntry

    entry = bulk.build(LedgerEntry, citizen=citizen, event=event, rule_id="r", rule_title="R", policy_version="v",
                       kind=LedgerEntry.Kind.RULE, delta=5, balance_after=citizen.score + 5,
                       created_at=timezone.now(), prev_hash=citizen.ledger_head, hash="h" * 64, key_id="k")
    change = bulk.build(GradeChange, citizen=citizen, from_grade="B", to_grade="A", score=citizen.score + 5,
                        entry=entry, changed_at=timezone.now())
    return entry, change


@pytest.mark.parametrize("count", SIZES)
def test_together_writes_what_the_calls_one_by_one_write(make_citizen, agencies, count):
    """Rows queued in the block get their keys at its end; a row naming a row queued before it (a grade
    change naming its entry) waits for that one's key, on both databases and both sides of COPY."""
    from points.models import GradeChange, LedgerEntry

    person = make_citizen()
    events = bulk.insert_all(Event, [_event(person, agencies["civil_affairs"], f"t{n}") for n in range(count)])
    pairs = [_entry_and_grade_change(person, event) for event in events]
    with bulk.together():
        bulk.insert_all(LedgerEntry, [entry for entry, _ in pairs])
        person.score = 1005
        bulk.update_fields(Citizen, [person], ["score"])
        bulk.insert_all(GradeChange, [change for _, change in pairs])
        assert all(entry.pk is None for entry, _ in pairs)  # nothing has gone yet
    assert Citizen.objects.get(pk=person.pk).score == 1005
    assert all(change.pk is not None for _, change in pairs)
    stored = {c.pk: c.entry_id for c in GradeChange.objects.filter(pk__in=[change.pk for _, change in pairs])}
    assert stored == {change.pk: entry.pk for entry, change in pairs}
    assert set(LedgerEntry.objects.filter(event__in=events).values_list("pk", flat=True)) == {e.pk for e, _ in pairs}


def test_together_writes_nothing_when_its_block_raises(make_citizen, agencies):
    from points.models import LedgerEntry

    person = make_citizen()
    event = bulk.insert_all(Event, [_event(person, agencies["civil_affairs"], "raise")])[0]
    entry, _ = _entry_and_grade_change(person, event)
    with pytest.raises(RuntimeError), bulk.together():
        bulk.insert_all(LedgerEntry, [entry])
        raise RuntimeError
    assert not LedgerEntry.objects.filter(event=event).exists() and entry.pk is None
    with bulk.together():  # and the next block starts empty
        pass
    assert not LedgerEntry.objects.filter(event=event).exists()


def test_read_together_gives_what_the_orm_gives(make_citizen, agencies):
    from django.db import transaction

    people = [make_citizen() for _ in range(3)]
    events = bulk.insert_all(Event, [_event(people[0], agencies["court"], f"r{n}") for n in range(2)])
    ids = [p.resident_id for p in people] + ["110105194912310020"]  # and one no citizen has
    with transaction.atomic():
        locked, found, nothing = bulk.read_together(
            bulk.LockInBulk(Citizen, ids, "resident_id"),
            bulk.FilterIn(Event, {"agency_id": agencies["court"].pk}, "idempotency_key", ["r0", "r1", "rx"]),
            bulk.FilterIn(Event, {"agency_id": agencies["police"].pk}, "idempotency_key", []),
        )
    assert locked == Citizen.objects.in_bulk(ids, field_name="resident_id")
    for person in people:
        stored = Citizen.objects.get(pk=person.pk)
        assert _fields(locked[person.resident_id]) == _fields(stored)
    assert sorted(found, key=lambda e: e.pk) == events and nothing == []
    for event in found:
        assert _fields(event) == _fields(Event.objects.get(pk=event.pk))


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
