"""A citizen's statement: every ledger entry from enrolment to today in plain words, the appeals
and their outcomes, the current eligibility and who looked at the record (the access log) — one
structure rendered as HTML (admin), PDF (download) and JSON (API)."""
import datetime
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from appeals.models import Appeal
from appeals.selectors import citizen_appeals
from audit.models import AccessLog
from citizens.models import Citizen
from points.models import Agency, Event, LedgerEntry
from points.selectors import Decision, eligibility_all
from rules.registry import current_policy


@dataclass(frozen=True)
class StatementLine:
    """One ledger entry, explained."""

    entry_id: int
    at: datetime.datetime
    kind: str
    event_id: int
    event_title: str
    event_status: str
    occurred_on: datetime.date
    agency: str
    rule_id: str
    rule_title: str
    explanation: str
    legal_basis: str
    delta: int
    balance: int
    expires_on: datetime.date | None
    reverses: int | None
    reason: str
    corrects: int | None
    text: str


@dataclass(frozen=True)
class AppealStep:
    at: datetime.datetime
    by: str
    from_state: str
    to_state: str
    reasons: str


@dataclass(frozen=True)
class AppealSummary:
    """One appeal, its outcome and every step it took."""

    appeal_id: int
    event_id: int
    event_title: str
    filed_at: datetime.datetime
    filed_by: str
    channel: str
    grounds: str
    state: str
    deadline: datetime.date
    overdue: bool
    decided_at: datetime.datetime | None
    decided_by: str
    decision_reasons: str
    steps: list
    text: str


@dataclass(frozen=True)
class AccessLine:
    """One look at the citizen's record by an agency or an official, from the access log."""

    at: datetime.datetime
    who: str
    actor_kind: str
    what: str
    purpose: str
    channel: str


@dataclass(frozen=True)
class Statement:
    resident_id: str
    name: str
    birth_date: datetime.date
    district: str
    status: str
    enrolled_at: datetime.datetime | None
    score: int | None
    grade: str
    grade_changed_at: datetime.datetime | None
    generated_at: datetime.datetime
    policy_version: str
    lines: list = field(default_factory=list)
    appeals: list = field(default_factory=list)
    eligibility: list = field(default_factory=list)
    under_appeal_since: datetime.date | None = None
    accesses: list = field(default_factory=list)

    @property
    def totals(self) -> dict:
        """Points by kind of entry: they add up to the score."""
        sums = {kind: 0 for kind in LedgerEntry.Kind.values}
        for line in self.lines:
            sums[line.kind] += line.delta
        return sums

    def as_dict(self) -> dict:
        """Plain data for JSON (dates as ISO strings)."""
        data = asdict(self)
        data["totals"] = self.totals
        return _jsonable(data)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def citizen_statement(*, citizen: Citizen, now: datetime.datetime | None = None) -> Statement:
    """Build the statement of one citizen as of ``now``."""
    policy = current_policy()
    now = now or timezone.now()
    entries = (LedgerEntry.objects.filter(citizen=citizen).select_related("event", "event__agency")
               .order_by("id"))
    lines = [_line(entry, policy) for entry in entries]
    appeals = [_appeal(appeal, policy, timezone.localdate(now)) for appeal in citizen_appeals(citizen=citizen)]
    decisions: list[Decision] = eligibility_all(citizen=citizen) if citizen.is_enrolled else []
    return Statement(
        resident_id=citizen.resident_id, name=citizen.name, birth_date=citizen.birth_date, district=citizen.district,
        status=citizen.get_status_display(), enrolled_at=citizen.enrolled_at, score=citizen.score,
        grade=citizen.grade, grade_changed_at=citizen.grade_changed_at, generated_at=now,
        policy_version=policy.version, lines=lines, appeals=appeals, eligibility=decisions,
        under_appeal_since=decisions[0].under_appeal_since if decisions else None,
        accesses=citizen_accesses(citizen=citizen, policy=policy),
    )


def _actions() -> dict:
    return {
        "eligibility.read": _("asked about eligibility"),
        "standing.read": _("read the score and grade"),
        "ledger.read": _("read the ledger"),
        "statement.read": _("read the statement"),
        "statement.pdf": _("downloaded the statement (PDF)"),
        "citizen.view": _("opened the record"),
        "admin.search": _("searched for the resident ID"),
        "admin.detail": _("opened an entry of the record"),
        "appeal.read": _("read an appeal"),
    }


def citizen_accesses(*, citizen: Citizen, policy=None) -> list[AccessLine]:
    """Who looked at the citizen's record, newest first: the agency by name or the official by
    username, what they read, and the purpose (for eligibility, the services asked about)."""
    policy = policy or current_policy()
    rows = list(AccessLog.objects.filter(citizen=citizen).order_by("-at", "-id"))
    codes = {row.actor for row in rows if row.actor_kind == AccessLog.ActorKind.AGENCY}
    names = dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))
    actions = _actions()
    return [AccessLine(at=row.at, who=_who(row, names), actor_kind=row.actor_kind,
                       what=actions.get(row.action, row.action), purpose=_purpose(row, policy), channel=row.channel)
            for row in rows]


def _who(row: AccessLog, names: dict) -> str:
    if row.actor_kind == AccessLog.ActorKind.AGENCY:
        return names.get(row.actor, row.actor)
    if row.actor_kind == AccessLog.ActorKind.CITIZEN:
        return _("the citizen (own portal)")
    return _("official %(username)s") % {"username": row.actor}


def _purpose(row: AccessLog, policy) -> str:
    if row.action != "eligibility.read":
        return row.purpose
    return ", ".join(policy.services[c].name if c in policy.services else c for c in row.purpose.split(",") if c)


def _event_title(event: Event, policy) -> str:
    spec = policy.event_types.get(event.event_type)
    if spec is not None:
        return spec.title
    return "Enrolment" if event.event_type == "enrolment" else event.event_type.replace("_", " ")


def _line(entry: LedgerEntry, policy) -> StatementLine:
    event, rule = entry.event, policy.rules.get(entry.rule_id)
    title = rule.title if rule else entry.rule_title
    explanation = rule.explanation if rule else ""
    event_title = _event_title(event, policy)
    return StatementLine(
        entry_id=entry.pk, at=entry.created_at, kind=entry.kind, event_id=event.pk, event_title=event_title,
        event_status=event.status, occurred_on=timezone.localdate(event.occurred_at), agency=event.agency.name,
        rule_id=entry.rule_id, rule_title=title, explanation=explanation,
        legal_basis=rule.legal_basis if rule else "", delta=entry.delta, balance=entry.balance_after,
        expires_on=entry.expires_on, reverses=entry.reverses_id, reason=entry.reason, corrects=event.corrects_id,
        text=_line_text(entry, event_title, title, explanation, rule),
    )


_DUE_PROCESS_LINES = {
    LedgerEntry.Kind.SUSPENSION: _lazy("%(points)s: entry %(entry)s (%(title)s) is suspended pending appeal. "
                                       "%(reason)s"),
    LedgerEntry.Kind.REINSTATEMENT: _lazy("%(points)s: entry %(entry)s (%(title)s), suspended pending appeal, is "
                                          "reinstated. %(reason)s"),
    LedgerEntry.Kind.LIFT: _lazy("%(points)s: %(title)s lifted (entry %(entry)s). %(reason)s"),
}


def _line_text(entry, event_title, title, explanation, rule) -> str:
    event = entry.event
    points = f"{entry.delta:+d} points"
    if entry.kind == LedgerEntry.Kind.OPENING:
        return f"Enrolled in the points register with {entry.delta} starting points."
    if entry.kind == LedgerEntry.Kind.REVERSAL:
        return f"{points}: entry {entry.reverses_id} ({title}) was reversed. Reason: {entry.reason}"
    if entry.kind == LedgerEntry.Kind.EXPIRY:
        return f"{points}: entry {entry.reverses_id} ({title}) stopped counting: {entry.reason}."
    if entry.kind in _DUE_PROCESS_LINES:
        return _DUE_PROCESS_LINES[entry.kind] % {"points": points, "entry": entry.reverses_id, "title": title,
                                                 "reason": entry.reason}
    text = (f"{event_title}, reported by {event.agency.name} (event {event.pk}, occurred "
            f"{timezone.localdate(event.occurred_at).isoformat()}): rule {entry.rule_id} \"{title}\", {points}.")
    if event.corrects_id:
        text += f" This report corrects event {event.corrects_id}."
    if explanation:
        text += f" {explanation}"
    if rule is not None and rule.legal_basis:
        text += f" Legal basis: {rule.legal_basis}."
    if entry.expires_on:
        text += f" Counts until {entry.expires_on.isoformat()}."
    return text


def _appeal(appeal: Appeal, policy, today: datetime.date) -> AppealSummary:
    steps = [AppealStep(t.at, t.by, t.from_state, t.to_state, t.reasons) for t in appeal.transitions.all()]
    return AppealSummary(
        appeal_id=appeal.pk, event_id=appeal.event_id, event_title=_event_title(appeal.event, policy),
        filed_at=appeal.filed_at, filed_by=appeal.filed_by, channel=appeal.channel, grounds=appeal.grounds,
        state=appeal.state, deadline=appeal.deadline, overdue=appeal.is_overdue(today),
        decided_at=appeal.decided_at, decided_by=appeal.decided_by, decision_reasons=appeal.decision_reasons,
        steps=steps, text=_appeal_text(appeal, today),
    )


def _appeal_text(appeal: Appeal, today: datetime.date) -> str:
    filed = f"Appeal {appeal.pk} against event {appeal.event_id}, filed {timezone.localdate(appeal.filed_at)}"
    if appeal.state == Appeal.State.UPHELD:
        return (f"{filed}: upheld on {timezone.localdate(appeal.decided_at)} by {appeal.decided_by}; the event "
                f"was voided and its points restored. Reasons: {appeal.decision_reasons}" + _source_text(appeal, today))
    if appeal.state == Appeal.State.REJECTED:
        return (f"{filed}: rejected on {timezone.localdate(appeal.decided_at)} by {appeal.decided_by}. "
                f"Reasons: {appeal.decision_reasons}" + _source_text(appeal, today))
    if appeal.state == Appeal.State.WITHDRAWN:
        return _("%(filed)s: withdrawn by the citizen on %(day)s.") % {
            "filed": filed, "day": timezone.localdate(appeal.decided_at)} + _source_text(appeal, today)
    late = " The decision is overdue." if appeal.is_overdue(today) else ""
    return f"{filed}: {appeal.get_state_display()}; a decision is due by {appeal.deadline}.{late}" + _source_text(
        appeal, today)


def _source_text(appeal: Appeal, today: datetime.date) -> str:
    """What the reporting agency was asked and answered, and whether the points are suspended."""
    text = ""
    if appeal.source_answer:
        text += " " + _("%(code)s answered on %(day)s: %(answer)s. Reasons: %(reasons)s") % {
            "code": appeal.source_answered_by, "day": timezone.localdate(appeal.source_answered_at).isoformat(),
            "answer": appeal.get_source_answer_display(), "reasons": appeal.source_reasons}
        if appeal.source_evidence:
            text += " " + _("Evidence: %(refs)s.") % {"refs": "; ".join(appeal.source_evidence)}
    elif appeal.source_due and appeal.is_open:
        text += " " + _("The reporting agency was asked to answer by %(day)s.") % {
            "day": appeal.source_due.isoformat()}
    if appeal.suspended_at and appeal.is_open:
        text += " " + _("The contested points are suspended pending appeal since %(day)s.") % {
            "day": timezone.localdate(appeal.suspended_at).isoformat()}
    return text
