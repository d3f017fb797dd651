"""What the citizen detail page shows beyond the record itself: standing, eligibility, chart, ledger.

A fixed number of queries whatever the ledger's length: one page of entries with everything each line
needs joined in, one count, one query for the chart and one for pending adjustments.
"""
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from officials.charts import score_chart
from officials.models import AdjustmentProposal
from officials.selectors import citizen_score_history
from points.explain import EXPLAIN_RELATED, Explanation, entry_explanation
from points.models import LedgerEntry
from points.selectors import citizen_ledger, eligibility_all
from rules.registry import current_policy

LEDGER_PAGE_SIZE = 25


@dataclass(frozen=True)
class ExplainedEntry:
    """One ledger line, the explainer's words for it and the officials behind it."""

    entry: LedgerEntry
    explanation: Explanation
    officials: str

    @property
    def text(self) -> str:
        return self.explanation.text


def citizen_page_context(*, citizen, user, page=None) -> dict:
    """Template context for the citizen detail page."""
    if not citizen.is_enrolled:
        return {"citizen_enrolled": False}
    policy = current_policy()
    entries = citizen_ledger(citizen=citizen).select_related(
        *EXPLAIN_RELATED, "reversed_by", "event__adjustment__proposed_by", "event__adjustment__approved_by",
        "event__reported_by",
    )
    ledger_page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(page)
    return {
        "citizen_enrolled": True,
        "decisions": eligibility_all(citizen=citizen),
        "score_chart": score_chart(
            points=citizen_score_history(citizen=citizen),
            bands=[(band.grade, band.min, band.max) for band in policy.grades],
            title=_("Score of %(name)s over time") % {"name": citizen.name},
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
    """The entry in the explainer's words (those of the statement, the API and the notices)."""
    return ExplainedEntry(entry=entry, explanation=entry_explanation(entry=entry, policy=policy),
                          officials=_officials(entry.event))


def _officials(event) -> str:
    """Both names behind an official adjustment (four-eyes), else who reported it in person."""
    proposal = getattr(event, "adjustment", None)
    if proposal is not None:
        return f"proposed by {proposal.proposed_by.get_username()}, approved by {proposal.approved_by.get_username()}"
    return event.reported_by.get_username() if event.reported_by_id else ""
