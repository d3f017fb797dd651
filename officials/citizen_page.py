"""What the citizen detail page shows beyond the record itself: standing, eligibility, chart, ledger.

A fixed number of queries whatever the ledger's length: one page of entries with everything each line
needs joined in, one count, one query for the chart and one for pending adjustments.
"""
from dataclasses import dataclass

from django.core.paginator import Paginator

from officials.charts import score_chart
from officials.models import AdjustmentProposal
from officials.selectors import citizen_score_history
from points.models import LedgerEntry
from points.selectors import citizen_ledger, eligibility_all
from rules.registry import current_policy

LEDGER_PAGE_SIZE = 25


@dataclass(frozen=True)
class ExplainedEntry:
    """One ledger line and the plain-words reason for it."""

    entry: LedgerEntry
    explanation: str
    legal_basis: str
    officials: str


def citizen_page_context(*, citizen, user, page=None) -> dict:
    """Template context for the citizen detail page."""
    if not citizen.is_enrolled:
        return {"citizen_enrolled": False}
    policy = current_policy()
    entries = citizen_ledger(citizen=citizen).select_related(
        "reversed_by", "event__adjustment__proposed_by", "event__adjustment__approved_by", "event__reported_by",
    )
    ledger_page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(page)
    return {
        "citizen_enrolled": True,
        "decisions": eligibility_all(citizen=citizen),
        "score_chart": score_chart(
            points=citizen_score_history(citizen=citizen),
            bands=[(band.grade, band.min, band.max) for band in policy.grades],
            title=f"Score of {citizen.name} over time",
        ),
        "ledger_page": ledger_page,
        "ledger_lines": [explain(entry, policy) for entry in ledger_page.object_list],
        "pending_adjustments": list(
            AdjustmentProposal.objects.filter(citizen=citizen, status=AdjustmentProposal.Status.PENDING)
            .select_related("proposed_by")
        ),
        "may_propose": user.has_perm("officials.add_adjustmentproposal"),
        "policy_version": policy.version,
    }


def explain(entry: LedgerEntry, policy) -> ExplainedEntry:
    """Why this entry exists, in words an official can read to the citizen."""
    event = entry.event
    rule = policy.rules.get(entry.rule_id)
    by = f"reported by {event.agency.name} on {event.reported_at:%Y-%m-%d}"
    if entry.kind == LedgerEntry.Kind.OPENING:
        text = f"Starting points on enrolment ({entry.policy_version[:12]})."
    elif entry.kind == LedgerEntry.Kind.REVERSAL:
        text = f"Reverses entry #{entry.reverses_id} ({entry.rule_title}): {entry.reason or event.status_reason}"
        if event.status_changed_by:
            text += f" — {event.status} by {event.status_changed_by}"
    elif entry.kind == LedgerEntry.Kind.EXPIRY:
        text = f"Entry #{entry.reverses_id} ({entry.rule_title}) stopped counting on {entry.created_at:%Y-%m-%d}."
    else:
        text = f"{entry.rule_title}: {rule.explanation}" if rule and rule.explanation else entry.rule_title
        if rule and entry.policy_version != policy.version:
            text += f" [wording of the policy in force; entry made under policy {entry.policy_version[:12]}]"
        detail = event.attributes.get("reason") if event.event_type == "official_adjustment" else None
        text += f" “{detail}”" if detail else ""
        text += f" ({event.event_type} of {event.occurred_at:%Y-%m-%d}, {by})."
    reversed_by = getattr(entry, "reversed_by", None)
    if reversed_by is not None:
        text += f" Reversed by entry #{reversed_by.pk}."
    return ExplainedEntry(entry=entry, explanation=text, legal_basis=(rule.legal_basis if rule else "") or "",
                          officials=_officials(event))


def _officials(event) -> str:
    """Both names behind an official adjustment (four-eyes), else who reported it in person."""
    proposal = getattr(event, "adjustment", None)
    if proposal is not None:
        return f"proposed by {proposal.proposed_by.get_username()}, approved by {proposal.approved_by.get_username()}"
    return event.reported_by.get_username() if event.reported_by_id else ""
