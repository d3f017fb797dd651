"""The task queue's jobs (Celery): delivering notices and the scheduled jobs.

Every job is idempotent, so a message delivered twice, a job retried after a killed worker, or two
schedulers by mistake change nothing the second time: delivery claims each notice under its row
lock (``notices.services``), enrolment and expiry write only what is due, and the other notices
carry a ``dedup_key``. The schedule is ``CELERY_BEAT_SCHEDULE`` in ``config.settings``.
"""
import logging

from celery import shared_task
from django.core.management import call_command, get_commands

from appeals.services import appeals_deadlines as escalate_overdue_appeals
from notices import lifecycle, services
from points.expiry import points_expire
from points.services import citizens_enroll_due

logger = logging.getLogger("notices")


@shared_task(name="notices.deliver")
def deliver(ids):
    """Deliver these notices (those still pending); see ``notices.services.notices_deliver``."""
    return services.notices_deliver(ids=ids)


@shared_task(name="notices.sweep")
def sweep():
    """Enqueue again the notices whose job was lost, and free those of a worker that died."""
    return services.notices_sweep()


@shared_task(name="notices.enroll_due")
def enroll_due():
    return citizens_enroll_due()


@shared_task(name="notices.expire_points")
def expire_points():
    return points_expire().entries


@shared_task(name="notices.expiry_warnings")
def expiry_warnings():
    return lifecycle.expiry_warnings()


@shared_task(name="notices.appeals_overdue")
def appeals_overdue():
    return lifecycle.appeals_overdue_notices()


@shared_task(name="notices.appeals_deadlines")
def appeals_deadlines():
    """Escalate the appeals whose source answer or decision is overdue (``manage.py appeals
    deadlines``): points suspended, supervisors and the source told. Returns the appeal ids."""
    return [appeal.pk for appeal in escalate_overdue_appeals()]


# The ledger's signed checkpoint (points.checkpoints) is a management command; the job runs it when this
# deployment has it, so that the schedule does not depend on which apps are installed.
LEDGER_CHECKPOINT_COMMAND = "ledger_checkpoint"


@shared_task(name="notices.ledger_checkpoint")
def ledger_checkpoint():
    if LEDGER_CHECKPOINT_COMMAND not in get_commands():
        logger.info("no %s command in this deployment; nothing to do", LEDGER_CHECKPOINT_COMMAND)
        return False
    call_command(LEDGER_CHECKPOINT_COMMAND)
    return True
