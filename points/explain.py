"""Why a ledger entry exists, in words: the rule's title, explanation and legal basis.

The text comes from the policy version in force when the rule still exists there
(so wording fixes reach old entries); otherwise from the title stored on the entry.
The API, the admin and any citizen-facing view share this.
"""
from dataclasses import dataclass

from points.models import LedgerEntry


@dataclass(frozen=True)
class Explanation:
    title: str
    explanation: str
    legal_basis: str
    rule_in_force: bool


def entry_explanation(*, entry: LedgerEntry, policy) -> Explanation:
    """The words that explain ``entry`` under ``policy`` (the policy in force)."""
    rule = policy.rules.get(entry.rule_id)
    title = rule.title if rule is not None else entry.rule_title
    legal_basis = (getattr(rule, "legal_basis", "") or "") if rule is not None else ""
    explanation = (getattr(rule, "explanation", "") or "") if rule is not None else ""
    if entry.kind == LedgerEntry.Kind.OPENING:
        explanation = explanation or "Starting points given on enrolment."
    elif entry.kind == LedgerEntry.Kind.REVERSAL:
        explanation = f"Reverses entry {entry.reverses_id}: {entry.reason}".strip()
    elif entry.kind == LedgerEntry.Kind.EXPIRY:
        explanation = f"Entry {entry.reverses_id} stopped counting (expired). {entry.reason}".strip()
    return Explanation(title=title, explanation=explanation, legal_basis=legal_basis,
                       rule_in_force=rule is not None)
