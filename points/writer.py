"""The ledger writer: the only code that inserts events, ledger entries and grade changes and moves
standings (score, grade, chain head).

Reports (``points.pipeline``), enrolment, expiry, rescoring, retractions, voids, suspensions,
reinstatements, corrections, lifts and official adjustments all write through it. Every function
here runs inside the caller's transaction, which already holds the citizens' row locks: the
ledger, the stored score and the grade never disagree. What a report earns is decided before,
by ``points.scoring``; who may report what, by ``points.admission``.
"""
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from citizens.models import Citizen
from points import keys, recorded_versions, scoring
from points.admission import jsonable_attributes, report_fingerprint
from points.db import bulk
from points.models import Event, GradeChange, LedgerEntry
from points.signals import standings_changing
from rules.models import PolicyVersion

ENROLMENT_EVENT_TYPE = "enrolment"
STANDING_FIELDS = ("score", "grade", "grade_changed_at", "enrolled_at", "ledger_head")


def record_policy_version(policy) -> None:
    """Make sure the exact policy files behind a ledger entry are stored.

    One query per process and version, not per report: ``points.recorded_versions`` remembers
    the versions whose row this process has seen committed.
    """
    if recorded_versions.is_known(policy.version):
        return
    PolicyVersion.objects.get_or_create(
        hash=policy.version, defaults={"files": dict(policy.files), "source": str(policy.directory or "")}
    )
    recorded_versions.remember_after_commit(policy.version)


def new_entry(*, citizen, event, rule_id, rule_title, policy_version, delta, kind, at, reverses=None,
              reason="", expires_on=None) -> LedgerEntry:
    """An unsaved entry chained to the citizen's last one; moves the (locked, in-memory)
    citizen's score by ``delta`` and the chain's head to the new entry."""
    citizen.score = (citizen.score or 0) + delta
    entry = bulk.build(
        LedgerEntry, citizen=citizen, event=event, rule_id=rule_id, rule_title=rule_title,
        policy_version=policy_version, kind=kind, delta=delta, balance_after=citizen.score, reverses=reverses,
        reason=reason, expires_on=expires_on, created_at=at, prev_hash=citizen.ledger_head,
        key_id=keys.current_key_id(),
    )
    entry.hash = citizen.ledger_head = entry.compute_hash(citizen.resident_id)
    return entry


def planned_entries(*, citizen, event, planned, policy, at) -> list:
    """Unsaved rule entries for a plan of ``points.scoring``."""
    return [new_entry(citizen=citizen, event=event, rule_id=p.rule_id, rule_title=p.rule_title,
                      policy_version=policy.version, delta=p.delta, kind=LedgerEntry.Kind.RULE, at=at,
                      expires_on=p.expires_on)
            for p in planned]


# --- reports ------------------------------------------------------------------


def write_reports(reports, policy, now) -> list:
    """Insert the admitted reports' events and entries and move standings; ``(event, entries)`` each.

    The reports' citizens are the locked rows, one instance per person, so their scores move in
    memory from report to report in the given order.
    """
    if not reports:
        return []
    record_policy_version(policy)
    events = bulk.insert_all(Event, [
        bulk.build(Event, citizen=r.citizen, event_type=r.event_type, occurred_at=r.occurred_at, reported_at=now,
                   agency=r.agency, reported_by=r.reported_by, attributes=jsonable_attributes(r.cleaned),
                   idempotency_key=r.key, fingerprint=r.fingerprint, policy_version=policy.version,
                   corrects=r.corrects, migrated=r.migrated)
        for r in reports
    ])
    people = list({r.citizen.pk: r.citizen for r in reports}.values())
    # Reports of uncapped event types need no counts at all; otherwise the memo saves the read of
    # every capped entry of the people, which grows with the ledger.
    memo = scoring.cap_memo(policy) if scoring.any_capped(policy, {r.event_type for r in reports}) else None
    caps = memo.load(people, policy) if memo else scoring.CapCounts()
    changes, written = [], []
    tz = timezone.get_current_timezone()
    for report, event in zip(reports, events, strict=True):
        planned = scoring.plan(citizen=report.citizen, event_type=event.event_type, occurred_at=event.occurred_at,
                               attributes=report.cleaned, policy=policy, caps=caps, tz=tz)
        entries = planned_entries(citizen=report.citizen, event=event, planned=planned, policy=policy, at=now)
        changes.append((report.citizen, entries))
        written.append((event, entries))
    if memo:
        memo.remember(people, caps)
    write_entries(changes=changes, policy=policy, at=now)
    return written


def add_event(**fields) -> Event:
    """Insert one event (a lifting report, a re-scored replacement)."""
    return bulk.insert_all(Event, [bulk.build(Event, **fields)])[0]


def add_entries(entries: list) -> list:
    """Insert unsaved entries (standings are the caller's ``save_standings``)."""
    return bulk.insert_all(LedgerEntry, entries)


def score_event(*, citizen, event, attributes, policy, at) -> list:
    """Write the entries ``event`` earns (standings are the caller's ``save_standings``)."""
    caps = scoring.CapCounts.load(citizen_ids=[citizen.pk], policy=policy, event_types={event.event_type})
    planned = scoring.plan(citizen=citizen, event_type=event.event_type, occurred_at=event.occurred_at,
                           attributes=attributes, policy=policy, caps=caps)
    return add_entries(planned_entries(citizen=citizen, event=event, planned=planned, policy=policy, at=at))


# --- enrolment ----------------------------------------------------------------


def enrol(citizens: list, *, agency, at, policy) -> list:
    """Opening events and entries for locked, unenrolled citizens; their opening entries."""
    record_policy_version(policy)
    events = bulk.insert_all(Event, [
        bulk.build(Event, citizen=c, event_type=ENROLMENT_EVENT_TYPE, occurred_at=at, reported_at=at, agency=agency,
                   idempotency_key=f"enrolment:{c.resident_id}", policy_version=policy.version,
                   fingerprint=report_fingerprint(c.resident_id, ENROLMENT_EVENT_TYPE, at, {}))
        for c in citizens
    ])
    changes = []
    for citizen, event in zip(citizens, events, strict=True):
        citizen.enrolled_at, citizen.score = at, 0
        changes.append((citizen, [new_entry(
            citizen=citizen, event=event, rule_id="starting_points", rule_title="Starting points on enrolment",
            policy_version=policy.version, delta=policy.starting_points, kind=LedgerEntry.Kind.OPENING, at=at,
        )]))
    write_entries(changes=changes, policy=policy, at=at)
    return [entries[0] for _, entries in changes]


# --- undoing --------------------------------------------------------------------


def counting_entries(event):
    """The event's entries whose points count now: its rule entries, reinstatements and lifts not undone."""
    return event.entries.filter(kind__in=LedgerEntry.COUNTING_KINDS, reversed_by__isnull=True).order_by("id")


def reverse_event(*, citizen, event, reason, at, kind=LedgerEntry.Kind.REVERSAL) -> list:
    """Write an entry of ``kind`` undoing every entry of the event that still counts."""
    return [reverse_entry(citizen=citizen, entry=entry, reason=reason, at=at, kind=kind)
            for entry in counting_entries(event)]


def reverse_entry(*, citizen, entry, reason, at, kind=LedgerEntry.Kind.REVERSAL, event=None,
                  expires_on=None) -> LedgerEntry:
    """Write the exact undoing of one entry: reversals are never clamped, so the sum of deltas stays the score.

    ``event``: the event the undoing entry belongs to (default: the undone entry's; a lift belongs
    to the lifting event). ``expires_on``: a reinstated deduction still expires when it would have.
    """
    undo = reversal(citizen=citizen, entry=entry, reason=reason, at=at, kind=kind, event=event,
                    expires_on=expires_on)
    return add_entries([undo])[0]


def reversal(*, citizen, entry, reason, at, kind, event=None, expires_on=None) -> LedgerEntry:
    """The unsaved exact undoing of ``entry`` (see ``reverse_entry``)."""
    return new_entry(
        citizen=citizen, event=event or entry.event, rule_id=entry.rule_id, rule_title=entry.rule_title,
        policy_version=entry.policy_version, delta=-entry.delta, kind=kind, at=at, reverses=entry, reason=reason,
        expires_on=expires_on,
    )


def mark_event(*, event, status: str, reason: str, by: str, at) -> None:
    """Move an applied event to ``status`` (retracted or voided), saying who, when and why."""
    Event.objects.filter(pk=event.pk).update(status=status, status_reason=reason, status_changed_at=at,
                                             status_changed_by=by)


# --- standings ------------------------------------------------------------------


def write_entries(*, changes, policy, at) -> None:
    """Insert the unsaved entries of ``(citizen, entries)`` pairs, then store the new standings.

    The entries, their notices, the standings and grade changes go to the database together
    (``bulk.together``): one round trip on PostgreSQL, two when a grade changes.
    """
    with bulk.together():
        add_entries([entry for _, entries in changes for entry in entries if entry.pk is None])
        save_standings(changes=changes, policy=policy, at=at)


def save_standings(*, changes, policy, at) -> None:
    """Store new scores and grades for ``(citizen, new_entries)`` pairs, in the order they happened.

    A citizen may appear in several pairs (a batch); each grade transition is
    recorded with the entry that caused it. Sends ``standings_changing`` first (notices).
    """
    standings_changing.send(sender=LedgerEntry, changes=changes, policy=policy, at=at)
    grade_changes, touched = [], {}
    for citizen, entries in changes:
        if not entries:
            continue
        touched[citizen.pk] = citizen
        score = entries[-1].balance_after
        grade = policy.grade_for(score)
        if grade != citizen.grade:
            grade_changes.append(bulk.build(
                GradeChange, citizen=citizen, from_grade=citizen.grade, to_grade=grade, score=score,
                entry=entries[-1], changed_at=at,
            ))
            citizen.grade, citizen.grade_changed_at = grade, at
    # Django's bulk_update writes a CASE per field that grows with the batch; this is one statement.
    bulk.update_fields(Citizen, touched.values(), STANDING_FIELDS)
    bulk.insert_all(GradeChange, grade_changes)


def regrade(citizen_ids, *, policy, at) -> int:
    """Give these citizens (locked here) the grade ``policy`` gives their score; how many changed.

    Each change is recorded as a GradeChange pointing at the citizen's latest ledger entry (the one
    that set the score now graded differently).
    """
    latest = LedgerEntry.objects.filter(citizen=OuterRef("pk")).order_by("-id").values("id")[:1]
    citizens = list(Citizen.objects.select_for_update().filter(pk__in=citizen_ids).order_by("pk")
                    .annotate(latest_entry=Subquery(latest)))
    changes, changed = [], []
    for citizen in citizens:
        grade = policy.grade_for(citizen.score)
        if grade != citizen.grade:
            changes.append(bulk.build(GradeChange, citizen=citizen, from_grade=citizen.grade, to_grade=grade,
                                      score=citizen.score, entry_id=citizen.latest_entry, changed_at=at))
            citizen.grade, citizen.grade_changed_at = grade, at
            changed.append(citizen)
    bulk.update_fields(Citizen, changed, ["grade", "grade_changed_at"])
    bulk.insert_all(GradeChange, changes)
    return len(changes)
