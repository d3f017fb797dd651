"""Connects notices to the rest of the system through signals, so that the core does not know them:
ledger writes (``points.signals.standings_changing``), eligibility answers
(``points.signals.eligibility_answered``) and appeals filed or decided (``post_save`` on ``Appeal``,
inside ``appeals.services``' transaction)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from appeals.models import Appeal
from notices.lifecycle import appeal_decided_notice, appeal_filed_notices, service_decision_notices
from notices.services import notices_create
from points.signals import eligibility_answered, standings_changing


@receiver(standings_changing, dispatch_uid="notices_create")
def create_notices(sender, *, changes, policy, at, **kwargs):
    notices_create(changes=changes, policy=policy, at=at)


@receiver(eligibility_answered, dispatch_uid="notices_service_decision")
def tell_service_decision(sender, *, citizen, decisions, **kwargs):
    service_decision_notices(citizen=citizen, decisions=decisions)


@receiver(post_save, sender=Appeal, dispatch_uid="notices_appeal")
def tell_appeal_step(sender, *, instance, created, update_fields=None, **kwargs):
    if created:
        appeal_filed_notices(appeal=instance)
    elif instance.state in (Appeal.State.UPHELD, Appeal.State.REJECTED):
        appeal_decided_notice(appeal=instance)
