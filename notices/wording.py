"""The words of a notice: what changed or happened, why, and what the person can do.

Every sentence goes through gettext, with named placeholders, so that a translation can reorder them.
"""
import contextlib

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from points.explain import day_text, entry_explanation, points_text
from points.models import LedgerEntry
from rules.registry import current_policy


def in_citizens_language(citizen):
    """Word what the block writes in the language ``citizen`` reads notices in (their
    ``preferred_language``, else ``LANGUAGE_CODE``), whatever language the request or job runs in."""
    language = citizen.notice_language
    if language == translation.get_language():
        return contextlib.nullcontext()
    return translation.override(language)


def office() -> str:
    return _("Any points office can show you your full statement and answer questions about this change.")


def subject(*, kind, score_before, score_after, grade_before, grade_after) -> str:
    if kind == LedgerEntry.Kind.OPENING:
        return _("You are enrolled with %(score)s points (grade %(grade)s)") % {"score": score_after,
                                                                             "grade": grade_after}
    text = _("Your points changed from %(before)s to %(after)s (%(delta)+d)") % {
        "before": score_before, "after": score_after, "delta": score_after - score_before}
    if grade_before and grade_before != grade_after:
        text += _("; your grade is now %(grade)s (was %(was)s)") % {"grade": grade_after, "was": grade_before}
    return text


def body(*, citizen, event, entries, policy, score_before, grade_before, grade_after, tz=None) -> str:
    """The notice of one event's entries: what changed, each entry as the explainer words it (the words
    of the statement, the admin and the API), and what the person can do. Days are those of ``tz``
    (default: the current time zone)."""
    score_after = entries[-1].balance_after
    with timezone.override(tz) if tz is not None else contextlib.nullcontext():
        explained = [entry_explanation(entry=entry, policy=policy) for entry in entries]
    paragraphs = [_greeting(citizen), _what_changed(entries[0].kind, score_before, score_after, grade_before,
                                                    grade_after)]
    paragraphs.extend(explanation.text for explanation in explained)
    paragraphs.append(explained[0].what_you_can_do)
    return "\n\n".join(paragraphs)


def _greeting(citizen) -> str:
    return _("Dear %(name)s (resident ID %(rid)s),") % {"name": citizen.name, "rid": citizen.resident_id}


def _what_changed(kind, score_before, score_after, grade_before, grade_after) -> str:
    if kind == LedgerEntry.Kind.OPENING:
        return _("You have been enrolled in the points register with %(score)s points, grade %(grade)s.") % {
            "score": score_after, "grade": grade_after}
    text = _("Your points changed from %(before)s to %(after)s (%(delta)+d).") % {
        "before": score_before, "after": score_after, "delta": score_after - score_before}
    if grade_before and grade_before != grade_after:
        return text + " " + _("Your grade changed from %(was)s to %(grade)s.") % {"was": grade_before,
                                                                                  "grade": grade_after}
    return text + " " + _("Your grade stays %(grade)s.") % {"grade": grade_after}


def appealable(event, entries) -> bool:
    """A rule's effect on a still applied event can be appealed."""
    return event.status == event.Status.APPLIED and entries[0].kind == LedgerEntry.Kind.RULE


# --- Notices that are not ledger changes -----------------------------------------------------


def appeal_filed(appeal, *, to_agency=False) -> tuple[str, str]:
    values = _appeal_values(appeal)
    if to_agency:
        return (_("Appeal #%(appeal)s filed against your report, event #%(event)s") % values, "\n\n".join([
            _("An appeal was filed on %(filed)s against event #%(event)s (%(type)s), which you reported about "
              "resident ID %(rid)s.") % values,
            _("Grounds given: %(grounds)s") % values,
            _("The points office must decide by %(deadline)s. If you hold records that bear on the grounds, "
              "send them to the office deciding the appeal.") % values]))
    return (_("Your appeal #%(appeal)s against event #%(event)s was filed") % values, "\n\n".join([
        _greeting(appeal.citizen),
        _("Your appeal against event #%(event)s (%(type)s) was filed on %(filed)s.") % values,
        _("Grounds given: %(grounds)s") % values,
        _("What happens next: the points office must decide by %(deadline)s and send you its written reasons. "
          "Until then, service offices asking about your grade are told that your record is under appeal. "
          "You can add documents through any points office.") % values]))


def appeal_decided(appeal) -> tuple[str, str]:
    values = _appeal_values(appeal)
    if appeal.state == appeal.State.UPHELD:
        subject_text = _("Your appeal #%(appeal)s was upheld") % values
        outcome = _("Your appeal against event #%(event)s was upheld on %(decided)s: the event is void and its "
                    "points are restored (a separate notice shows your new score).") % values
        next_step = office()
    elif appeal.state == appeal.State.WITHDRAWN:
        subject_text = _("You withdrew your appeal #%(appeal)s") % values
        outcome = _("You withdrew your appeal against event #%(event)s on %(decided)s; the record stands as "
                    "reported.") % values
        next_step = office()
    else:
        subject_text = _("Your appeal #%(appeal)s was rejected") % values
        outcome = _("Your appeal against event #%(event)s was rejected on %(decided)s; the record stands.") % values
        next_step = _("What you can do: if you disagree with these reasons, you may seek administrative "
                      "reconsideration or bring an administrative lawsuit, as the law provides; any points office "
                      "tells you where and by when.")
    return subject_text, "\n\n".join([_greeting(appeal.citizen), outcome,
                                      _("Written reasons: %(reasons)s") % values, next_step])


def appeal_overdue(appeal, *, today) -> tuple[str, str]:
    values = {**_appeal_values(appeal), "days": (today - appeal.deadline).days}
    return (_("Your appeal #%(appeal)s is overdue") % values, "\n\n".join([
        _greeting(appeal.citizen),
        _("The decision on your appeal against event #%(event)s was due by %(deadline)s and is %(days)s days "
          "late.") % values,
        _("What you can do: ask any points office why, or complain to the supervising office. While the appeal "
          "is open, service offices are told that your record is under appeal.") % values]))


def expiry_soon(entry, *, citizen, policy=None) -> tuple[str, str]:
    """The warning that an entry's points stop counting soon; the entry in the explainer's words."""
    explained = entry_explanation(entry=entry, policy=policy or current_policy())
    values = {"points": points_text(entry.delta), "title": explained.title, "date": day_text(entry.expires_on)}
    return (_("%(points)s of “%(title)s” stop counting on %(date)s") % values, "\n\n".join([
        _greeting(citizen),
        explained.text,
        _("On %(date)s these points stop counting: your score and grade will be worked out again without them, "
          "and you will get a notice.") % values,
        _("You need to do nothing. %(office)s") % {"office": office()}]))


def service_decision(decision, *, citizen) -> tuple[str, str]:
    # The person's own grade and score: the decision may hide them from the service office that asked.
    values = {"service": decision.service_name, "grade": citizen.grade, "score": citizen.score,
              "reason": decision.reason}
    if decision.decision == "review":
        subject_text = _("Your application for %(service)s goes to review because of your grade") % values
    else:
        subject_text = _("%(service)s was refused because of your grade") % values
    return subject_text, "\n\n".join([
        _greeting(citizen),
        _("A service office asked about your grade for %(service)s. Your grade is %(grade)s (%(score)s points). "
          "Answer: %(reason)s") % values,
        _("What you can do: your statement lists every event behind your score of %(score)s. If an event is "
          "wrong, ask any points office to file an appeal against it; while it is open, service offices are told "
          "that your record is under appeal.") % values])


def _appeal_values(appeal) -> dict:
    event = appeal.event
    return {"appeal": appeal.pk, "event": event.pk, "type": event.event_type.replace("_", " "),
            "filed": timezone.localdate(appeal.filed_at).isoformat(), "deadline": appeal.deadline.isoformat(),
            "grounds": appeal.grounds, "rid": appeal.citizen.resident_id, "reasons": appeal.decision_reasons,
            "decided": timezone.localdate(appeal.decided_at).isoformat() if appeal.decided_at else ""}
