"""A citizen's statement: every ledger entry from enrolment to today in plain words, the appeals
and their outcomes, the current eligibility and who looked at the record (the access log) — one
structure rendered as HTML (admin), PDF (download) and JSON (API)."""
import datetime
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal
from appeals.selectors import citizen_appeals
from audit.models import AccessLog
from citizens.models import Citizen
from points.explain import EXPLAIN_RELATED, day_text, entry_explanation, event_title
from points.models import Agency, LedgerEntry
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
    from_state: str  # the state's code, for machines (JSON); ``*_label`` is what people read
    to_state: str
    reasons: str

    @property
    def from_label(self) -> str:
        return state_label(self.from_state) if self.from_state else _("new")

    @property
    def to_label(self) -> str:
        return state_label(self.to_state)


def state_label(code: str) -> str:
    """An appeal state in words, as the admin shows it."""
    return str(dict(Appeal.State.choices).get(code, code))


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
    entries = LedgerEntry.objects.filter(citizen=citizen).select_related(*EXPLAIN_RELATED).order_by("id")
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


def _line(entry: LedgerEntry, policy) -> StatementLine:
    """The entry with the explainer's words (the same as on the admin, the API and the notices)."""
    event, explained = entry.event, entry_explanation(entry=entry, policy=policy)
    return StatementLine(
        entry_id=entry.pk, at=entry.created_at, kind=entry.kind, event_id=event.pk, event_title=explained.event_title,
        event_status=event.status, occurred_on=explained.occurred_on, agency=event.agency.display_name,
        rule_id=entry.rule_id, rule_title=explained.title, explanation=explained.explanation,
        legal_basis=explained.legal_basis, delta=entry.delta, balance=entry.balance_after,
        expires_on=explained.counts_until, reverses=entry.reverses_id, reason=explained.reason,
        corrects=event.corrects_id, text=explained.text,
    )


def _appeal(appeal: Appeal, policy, today: datetime.date) -> AppealSummary:
    steps = [AppealStep(t.at, t.by, t.from_state, t.to_state, t.reasons) for t in appeal.transitions.all()]
    return AppealSummary(
        appeal_id=appeal.pk, event_id=appeal.event_id, event_title=event_title(appeal.event, policy),
        filed_at=appeal.filed_at, filed_by=appeal.filed_by, channel=appeal.channel, grounds=appeal.grounds,
        state=appeal.state, deadline=appeal.deadline, overdue=appeal.is_overdue(today),
        decided_at=appeal.decided_at, decided_by=appeal.decided_by, decision_reasons=appeal.decision_reasons,
        steps=steps, text=_appeal_text(appeal, today),
    )


def _appeal_text(appeal: Appeal, today: datetime.date) -> str:
    values = {"appeal": appeal.pk, "event": appeal.event_id, "filed": day_text(appeal.filed_at),
              "decided": day_text(appeal.decided_at) if appeal.decided_at else "", "by": appeal.decided_by,
              "reasons": appeal.decision_reasons, "state": appeal.get_state_display(),
              "deadline": day_text(appeal.deadline)}
    if appeal.state == Appeal.State.UPHELD:
        text = _("Appeal %(appeal)s against event %(event)s, filed %(filed)s: upheld on %(decided)s by %(by)s; the "
                 "event was voided and its points restored. Reasons: %(reasons)s") % values
    elif appeal.state == Appeal.State.REJECTED:
        text = _("Appeal %(appeal)s against event %(event)s, filed %(filed)s: rejected on %(decided)s by %(by)s. "
                 "Reasons: %(reasons)s") % values
    elif appeal.state == Appeal.State.WITHDRAWN:
        text = _("Appeal %(appeal)s against event %(event)s, filed %(filed)s: withdrawn by the citizen on "
                 "%(decided)s.") % values
    else:
        text = _("Appeal %(appeal)s against event %(event)s, filed %(filed)s: %(state)s; a decision is due by "
                 "%(deadline)s.") % values
        if appeal.is_overdue(today):
            text += " " + _("The decision is overdue.")
    return text + _source_text(appeal, today)


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
