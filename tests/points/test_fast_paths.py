"""The bulk path's shortcuts give what Django's ordinary paths give.

``bulk.build`` against keyword construction, ``bulk.lock_in_bulk`` and the ``__any`` lookup
against ``in_bulk`` and ``__in``, the compiled timestamp loader against Django's, and the
remembered cap counts against the ledger.
"""
import datetime
import json

import pytest
from django.db import connection, connections, transaction
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from citizens.models import Citizen
from notices.models import Notice
from points.db import bulk
from points.ingest import events_ingest
from points.models import Event, LedgerEntry
from points.services import event_retract

NOW = datetime.datetime(2024, 12, 1, 12, 0, tzinfo=datetime.UTC)


def _fields(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if name != "_state"}


def test_build_gives_what_keyword_construction_gives(make_citizen, agencies):
    citizen = make_citizen()
    values = dict(event_type="blood_donation", occurred_at=NOW, reported_at=NOW, idempotency_key="k",
                  fingerprint="f", policy_version="v", attributes={"millilitres": 400})
    built = bulk.build(Event, citizen=citizen, agency=agencies["red_cross"], **values)
    made = Event(citizen=citizen, agency=agencies["red_cross"], **values)
    assert _fields(built) == _fields(made)
    assert built.citizen is citizen and built.agency is agencies["red_cross"]  # cached: no query
    assert built._state.adding and built._state.db is None
    first, second = bulk.build(Notice, citizen_id=1, event_id=2), bulk.build(Notice, citizen_id=1, event_id=2)
    assert first.rule_ids == [] and first.rule_ids is not second.rule_ids  # a callable default, made afresh
    given = ["helping_poor"]
    assert bulk.build(Notice, citizen_id=1, event_id=2, rule_ids=given).rule_ids is given  # given: kept


def test_build_refuses_unknown_fields_and_runs_init_receivers(db):
    with pytest.raises(TypeError, match="no field"):
        bulk.build(Notice, colour="red")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Notice)
    try:
        notice = bulk.build(Notice, citizen_id=1, event_id=2, subject="s")
    finally:
        post_init.disconnect(receiver, sender=Notice)
    assert seen == [notice] and notice.subject == "s"


def test_lock_in_bulk_gives_in_bulk_answer(make_citizen):
    people = [make_citizen(birth_date=datetime.date(1980, 1, n + 1)) for n in range(3)]
    wanted = [people[2].resident_id, people[0].resident_id, "110101199001011234", people[0].resident_id]
    with transaction.atomic():
        locked = bulk.lock_in_bulk(Citizen, wanted, field_name="resident_id")
        expected = Citizen.objects.in_bulk(wanted, field_name="resident_id")
    assert {key: _fields(obj) for key, obj in locked.items()} == {key: _fields(obj) for key, obj in expected.items()}
    assert all(not obj._state.adding and obj._state.db == "default" for obj in locked.values())
    assert locked[people[0].resident_id].score == people[0].score


@pytest.mark.postgres
def test_too_long_values_match_nothing(make_citizen):
    """A cast to varchar(18) would cut a 19-character value to a real resident ID."""
    person = make_citizen()
    too_long = person.resident_id + "7"
    with transaction.atomic():
        assert bulk.lock_in_bulk(Citizen, [too_long], field_name="resident_id") == {}
    assert not Citizen.objects.filter(resident_id__any=[too_long]).exists()


def test_any_lookup_answers_as_in(make_citizen):
    people = [make_citizen(birth_date=datetime.date(1990, 1, n + 1)) for n in range(4)]
    ids = [people[1].pk, people[3].pk, None, people[1].pk]
    assert set(Citizen.objects.filter(pk__any=ids)) == set(Citizen.objects.filter(pk__in=ids))
    assert set(LedgerEntry.objects.filter(citizen_id__any=ids)) == set(LedgerEntry.objects.filter(citizen_id__in=ids))
    assert not Citizen.objects.filter(pk__any=[]).exists()
    with CaptureQueriesContext(connection) as queries:
        list(Citizen.objects.filter(resident_id__any=[p.resident_id for p in people]))
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]


@pytest.mark.postgres
def test_timestamps_load_through_the_compiled_loader_in_djangos_zone_during_a_bulk_run(make_citizen):
    from points.db.tuning import bulk_run

    def fresh_connection_loader() -> str:  # what a request's connection, opened outside a run, gets
        fresh = connections.create_connection(connection.alias)
        try:
            fresh.ensure_connection()
            return fresh.connection.adapters.get_loader(1184, 0).__name__
        finally:
            fresh.close()

    person = make_citizen()
    assert fresh_connection_loader() != "FastTzLoader"
    with bulk_run():
        loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
        assert loader.__name__ == "FastTzLoader"
        loaded = Citizen.objects.get(pk=person.pk).enrolled_at
    assert loaded == person.enrolled_at and loaded.tzinfo == connection.timezone
    assert fresh_connection_loader() != "FastTzLoader"


def _donation(resident_id, n, month):
    return json.dumps({
        "agency": "red_cross", "resident_id": resident_id, "event_type": "blood_donation",
        "occurred_at": f"2024-{month:02d}-10T09:00:00+08:00", "idempotency_key": f"donation-{n}",
        "attributes": {"millilitres": 400},
    })


def _ingest(django_capture_on_commit_callbacks, *lines):
    # The test's transaction never commits; run what would run after commit, as a real run does.
    with django_capture_on_commit_callbacks(execute=True):
        return events_ingest(lines=enumerate(lines, start=1), now=NOW)


def test_remembered_cap_counts_follow_the_ledger(make_citizen, agencies, django_capture_on_commit_callbacks):
    """Blood donations count at most twice a year. After a batch, this process remembers the
    person's counts; a write by any other path moves the ledger head and the counts are read again."""
    person = make_citizen()
    rid = person.resident_id
    _ingest(django_capture_on_commit_callbacks, _donation(rid, 1, 3), _donation(rid, 2, 4))
    with CaptureQueriesContext(connection) as queries:
        report = _ingest(django_capture_on_commit_callbacks, _donation(person.resident_id, 3, 5))
    assert report.applied == 1 and report.entries == 0  # the cap: a third donation in 2024 counts nothing
    assert not [q for q in queries if "points_ledgerentry" in q["sql"] and "rule_id" in q["sql"]]  # remembered
    retracted = Event.objects.get(idempotency_key="donation-1")
    event_retract(event=retracted, reason="reported twice", agency=agencies["red_cross"])
    report = _ingest(django_capture_on_commit_callbacks, _donation(person.resident_id, 4, 6))
    assert report.entries == 1  # one 2024 donation counts now: the remembered "two" was not used
    person.refresh_from_db()
    assert person.score == sum(person.ledger.values_list("delta", flat=True))


def test_update_fields_writes_each_row_exactly(make_citizen):
    people = [make_citizen(birth_date=datetime.date(1985, 1, n + 1)) for n in range(3)]
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    people[0].score, people[0].grade = 612, "C"
    people[0].grade_changed_at = datetime.datetime(2024, 5, 1, 8, tzinfo=shanghai)
    people[1].score, people[1].grade_changed_at = 1010, None
    bulk.update_fields(Citizen, people[:2], ["score", "grade", "grade_changed_at"])
    stored = Citizen.objects.in_bulk([p.pk for p in people])
    assert (stored[people[0].pk].score, stored[people[0].pk].grade) == (612, "C")
    assert stored[people[0].pk].grade_changed_at == datetime.datetime(2024, 5, 1, 0, tzinfo=datetime.UTC)
    assert (stored[people[1].pk].score, stored[people[1].pk].grade_changed_at) == (1010, None)
    assert stored[people[2].pk].score == people[2].score  # not in the list: untouched


@pytest.mark.postgres
def test_update_fields_refuses_a_too_long_value_instead_of_cutting_it(make_citizen):
    from django.db import DataError

    person = make_citizen()
    person.grade = "AB"
    with pytest.raises(DataError), transaction.atomic():
        bulk.update_fields(Citizen, [person], ["grade"])


def test_build_links_both_sides_of_a_one_to_one(make_citizen):
    person = make_citizen()
    opening = person.ledger.get()
    reversal = bulk.build(LedgerEntry, citizen=person, event=opening.event, reverses=opening, delta=-opening.delta)
    assert reversal.reverses is opening and opening.reversed_by is reversal  # as LedgerEntry(reverses=...) does


def _reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # counts of this session's writes, now
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the statistics views count committed writes only
def test_analyze_if_stale_waits_for_the_given_growth(as_db_owner):  # ANALYZE is the owner's
    from citizens.synthetic import people

    table = Citizen._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    Citizen.objects.bulk_create(Citizen(**p) for p in people(100, seed=3))
    _reltuples(table)
    bulk.analyze_if_stale([Citizen], growth=1.0)
    assert _reltuples(table) == 100  # 100 changed rows > 50 + 100 % of none: analysed
    Citizen.objects.bulk_create(Citizen(**p) for p in list(people(200, seed=3))[100:])
    _reltuples(table)
    bulk.analyze_if_stale([Citizen], growth=1.0)
    assert _reltuples(table) == 100  # 100 more < 50 + 100 % of 100: not yet
    bulk.analyze_if_stale([Citizen])
    assert _reltuples(table) == 200  # the default, autovacuum's 50 + 10 %: analysed


def test_the_ingest_command_runs_with_the_bulk_collector_settings_and_restores_them(make_citizen, agencies):
    import gc

    from points.db.collector import THRESHOLDS
    from points.management.commands.ingest_events import ingest_tuned

    person = make_citizen()
    before, seen = gc.get_threshold(), []
    frozen_before = gc.get_freeze_count()

    def progress(count):
        seen.append((gc.get_threshold(), gc.get_freeze_count()))

    report = ingest_tuned(lines=enumerate([_donation(person.resident_id, 1, 3)], start=1), now=NOW,
                          progress=progress)
    assert report.applied == 1
    assert seen[0][0] == THRESHOLDS and seen[0][1] > frozen_before  # the objects of before the run: frozen
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen_before


def test_events_ingest_itself_leaves_the_collector_alone(make_citizen, agencies):
    import gc

    person, seen = make_citizen(), []
    events_ingest(lines=enumerate([_donation(person.resident_id, 1, 3)], start=1), now=NOW,
                  progress=lambda count: seen.append(gc.get_threshold()))
    assert seen == [gc.get_threshold()]


def test_the_quiet_collector_restores_a_callers_freeze_and_disabled_collector():
    import gc

    from points.db.collector import quiet_collector

    gc.freeze()
    gc.disable()
    try:
        frozen = gc.get_freeze_count()
        with quiet_collector():
            assert gc.isenabled()
        # Still frozen: an unfreeze would leave 0; a frozen object freed by its last reference meanwhile
        # only lowers the count by one.
        assert gc.get_freeze_count() > frozen // 2 and not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_quiet_collector_still_collects_cycles_on_its_own():
    """No ``gc.collect()``: the cycle must go in a collection the allocations themselves trigger."""
    import weakref

    from points.db.collector import THRESHOLDS, quiet_collector

    class Node:
        pass

    with quiet_collector():
        node = Node()
        node.me = node  # a cycle: only the collector can free it
        alive = weakref.ref(node)
        del node
        kept = [[] for _ in range(3 * THRESHOLDS[0])]  # enough new containers for young collections
        assert alive() is None
        del kept


def test_cap_counts_of_a_rolled_back_batch_are_not_remembered(make_citizen, agencies,
                                                               django_capture_on_commit_callbacks):
    """The memo hands its counts to a batch, which counts on from them; when the batch rolls back
    (its after-commit callbacks are dropped) the next batch must not see the undone count."""
    person = make_citizen()
    rid = person.resident_id
    _ingest(django_capture_on_commit_callbacks, _donation(rid, 1, 3))
    with pytest.raises(RuntimeError), transaction.atomic():
        events_ingest(lines=enumerate([_donation(rid, 2, 4)], start=1), now=NOW)  # counted, then undone
        raise RuntimeError("the caller's transaction fails")
    report = _ingest(django_capture_on_commit_callbacks, _donation(rid, 3, 5), _donation(rid, 4, 6))
    assert report.entries == 1  # one donation of 2024 stands, so one more counts and the cap of two is reached
    person.refresh_from_db()
    assert person.score == sum(person.ledger.values_list("delta", flat=True))
