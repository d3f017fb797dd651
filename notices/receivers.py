"""Connects notices to the ledger: every write path calls ``points.ledger.save_standings``."""
from django.dispatch import receiver

from notices.services import notices_create
from points.signals import standings_changing


@receiver(standings_changing, dispatch_uid="notices_create")
def create_notices(sender, *, changes, policy, at, **kwargs):
    notices_create(changes=changes, policy=policy, at=at)
