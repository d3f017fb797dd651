"""The words of the notices an appeal sends to the reporting agency and to the supervisors.

The citizen's appeal notices are in ``notices.wording``. Every sentence goes through gettext with
named placeholders.
"""
from django.utils import timezone
from django.utils.translation import gettext as _


def _values(appeal, reasons: str = "") -> dict:
    event = appeal.event
    return {"id": appeal.pk, "event": event.pk, "type": event.event_type.replace("_", " "),
            "rid": appeal.citizen.resident_id, "grounds": appeal.grounds,
            "filed": timezone.localdate(appeal.filed_at).isoformat(), "deadline": appeal.deadline.isoformat(),
            "day": appeal.source_due.isoformat() if appeal.source_due else "", "reasons": reasons,
            "state": appeal.get_state_display(), "claim": appeal.get_claim_display(),
            "evidence": "; ".join(appeal.evidence) or _("none given")}


def agency_filed(appeal) -> tuple[str, str]:
    """Asks the reporting agency to confirm or withdraw its report by its answer day."""
    values = _values(appeal)
    return (_("Appeal #%(id)s against your report #%(event)s: please confirm or withdraw by %(day)s") % values,
            "\n\n".join([
                _("An appeal was filed on %(filed)s against event #%(event)s (%(type)s), which you reported about "
                  "resident ID %(rid)s. Claim: %(claim)s.") % values,
                _("Grounds given: %(grounds)s Evidence: %(evidence)s.") % values,
                _("Answer with POST /api/v1/appeals/%(id)s/answer/ by %(day)s: confirm with reasons and evidence, "
                  "or withdraw the report. Without an answer by then, the deduction is suspended pending appeal "
                  "and a supervisor decides the appeal.") % values]))


def agency_escalated(appeal, reasons: str) -> tuple[str, str]:
    values = _values(appeal, reasons)
    return (_("Appeal #%(id)s escalated: the deduction of event #%(event)s is suspended") % values,
            "\n\n".join([reasons,
                         _("A supervisor decides the appeal from the escalated queue. An answer you still send "
                           "with POST /api/v1/appeals/%(id)s/answer/ is recorded as late and weighed in the "
                           "decision.") % values]))


def agency_decided(appeal) -> tuple[str, str]:
    values = _values(appeal, appeal.decision_reasons)
    return (_("Appeal #%(id)s against your report #%(event)s was %(state)s") % values,
            _("Written reasons: %(reasons)s") % values)


def supervisor_escalated(appeal, reasons: str) -> tuple[str, str]:
    """Tells a supervisor that an appeal waits in their queue, with its suspended deduction."""
    values = _values(appeal, reasons)
    return (_("Appeal #%(id)s is in the supervisors' queue: a deadline passed") % values, "\n\n".join([
        reasons,
        _("Appeal #%(id)s against event #%(event)s (%(type)s) of resident ID %(rid)s, filed on %(filed)s. "
          "Grounds given: %(grounds)s") % values,
        _("Decide it in the admin (Appeals, filter \"supervisors' queue\") or with POST "
          "/api/v1/appeals/%(id)s/uphold/ or /reject/: rejecting reinstates the deduction, upholding ends "
          "it.") % values]))
