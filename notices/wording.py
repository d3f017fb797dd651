"""The words of a notice: what changed, why, under which rule, and how to appeal."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points.models import LedgerEntry


def subject(*, kind, score_before, score_after, grade_before, grade_after) -> str:
    if kind == LedgerEntry.Kind.OPENING:
        return f"You are enrolled with {score_after} points (grade {grade_after})"
    text = f"Your points changed from {score_before} to {score_after} ({score_after - score_before:+d})"
    if grade_before and grade_before != grade_after:
        text += f"; your grade is now {grade_after} (was {grade_before})"
    return text


def body(*, citizen, event, entries, policy, score_before, grade_before, grade_after, tz=None) -> str:
    score_after = entries[-1].balance_after
    paragraphs = [f"Dear {citizen.name} (resident ID {citizen.resident_id}),", _what_changed(
        entries[0].kind, score_before, score_after, grade_before, grade_after)]
    paragraphs.append(_event_line(event, policy, tz or timezone.get_current_timezone()))
    paragraphs.extend(_why(entry, policy) for entry in entries)
    paragraphs.append(_how_to_appeal(event, entries, policy))
    return "\n\n".join(paragraphs)


def _what_changed(kind, score_before, score_after, grade_before, grade_after) -> str:
    if kind == LedgerEntry.Kind.OPENING:
        return f"You have been enrolled in the points register with {score_after} points, grade {grade_after}."
    text = f"Your points changed from {score_before} to {score_after} ({score_after - score_before:+d})."
    if grade_before and grade_before != grade_after:
        return f"{text} Your grade changed from {grade_before} to {grade_after}."
    return f"{text} Your grade stays {grade_after}."


def _event_line(event, policy, tz) -> str:
    spec = policy.event_types.get(event.event_type)
    title = spec.title if spec else event.event_type.replace("_", " ")
    occurred = event.occurred_at.astimezone(tz).date().isoformat()
    return f"Event #{event.pk}: {title}, reported by {event.agency.name} (occurred {occurred})."


def _why(entry, policy) -> str:
    rule = policy.rules.get(entry.rule_id)
    title = rule.title if rule else entry.rule_title
    if entry.kind == LedgerEntry.Kind.OPENING:
        return f"Why: everyone aged 14 or over starts with {entry.delta} points ({title})."
    if entry.kind == LedgerEntry.Kind.REVERSAL:
        return (f"Why: the {-entry.delta:+d} points of rule {entry.rule_id} ({title}) were reversed. "
                f"Reason: {entry.reason}")
    if entry.kind == LedgerEntry.Kind.EXPIRY:
        return f"Why: the {-entry.delta:+d} points of rule {entry.rule_id} ({title}) no longer count: {entry.reason}"
    if entry.kind in _DUE_PROCESS:
        original = entry.delta if entry.kind == LedgerEntry.Kind.REINSTATEMENT else -entry.delta
        return _DUE_PROCESS[entry.kind] % {"points": f"{original:+d}", "rule": entry.rule_id, "title": title,
                                           "reason": entry.reason}
    text = f"Why: rule {entry.rule_id} ({title}), {entry.delta:+d} points."
    if rule is not None:
        text += f" {rule.explanation} Legal basis: {rule.legal_basis}."
    if entry.expires_on:
        text += f" These points stop counting on {entry.expires_on.isoformat()}."
    return text


_DUE_PROCESS = {
    LedgerEntry.Kind.SUSPENSION: _("Why: the %(points)s points of rule %(rule)s (%(title)s) are suspended pending "
                                   "appeal: they do not count until the appeal is decided. %(reason)s"),
    LedgerEntry.Kind.REINSTATEMENT: _("Why: the %(points)s points of rule %(rule)s (%(title)s), suspended pending "
                                      "appeal, count again. %(reason)s"),
    LedgerEntry.Kind.LIFT: _("Why: the %(points)s points of rule %(rule)s (%(title)s) are lifted. %(reason)s"),
}


def appealable(event, entries) -> bool:
    """A rule's effect on a still applied event can be appealed."""
    return event.status == event.Status.APPLIED and entries[0].kind == LedgerEntry.Kind.RULE


def _how_to_appeal(event, entries, policy) -> str:
    if not appealable(event, entries):
        return ("Any points office can show you your full statement and answer questions about this change.")
    return (f"How to appeal: if this record is wrong, ask any points office to file an appeal against event "
            f"#{event.pk} on your behalf, with your reasons. The office must decide within "
            f"{policy.appeal_deadline_days} days of filing and give you its written reasons; while the appeal is "
            f"open, service offices are told that your record is under appeal.")
