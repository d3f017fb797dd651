"""Receivers that connect notices to the rest of the system, so that the core does not know them:
ledger writes (``points.signals.standings_changing``), eligibility answers
(``points.signals.eligibility_answered``) and an appeal's moments (``appeals.signals``). Each runs
inside the sender's transaction and hands off to a notices service. ``NoticesConfig.ready``
connects them, each with its ``dispatch_uid``.
"""
from notices import lifecycle
from notices.services import notices_create


def create_notices(sender, *, changes, policy, at, **kwargs):
    notices_create(changes=changes, policy=policy, at=at)


def tell_service_decision(sender, *, citizen, decisions, **kwargs):
    lifecycle.service_decision_notices(citizen=citizen, decisions=decisions)


def tell_appeal_filed(sender, *, appeal, at, **kwargs):
    lifecycle.appeal_filed_notices(appeal=appeal, at=at)


def tell_appeal_escalated(sender, *, appeal, reasons, at, **kwargs):
    lifecycle.appeal_escalated_notices(appeal=appeal, reasons=reasons, at=at)


def tell_appeal_decided(sender, *, appeal, at, **kwargs):
    lifecycle.appeal_decided_notices(appeal=appeal, at=at)


def connect() -> None:
    from appeals import signals as appeals_signals
    from points import signals as points_signals

    points_signals.standings_changing.connect(create_notices, dispatch_uid="notices_create")
    points_signals.eligibility_answered.connect(tell_service_decision, dispatch_uid="notices_service_decision")
    appeals_signals.appeal_filed.connect(tell_appeal_filed, dispatch_uid="notices_appeal_filed")
    appeals_signals.appeal_escalated.connect(tell_appeal_escalated, dispatch_uid="notices_appeal_escalated")
    appeals_signals.appeal_decided.connect(tell_appeal_decided, dispatch_uid="notices_appeal_decided")
