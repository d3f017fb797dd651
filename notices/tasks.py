"""The task queue's jobs (Celery): delivering notices and the scheduled jobs.

Every job is idempotent, so a message delivered twice, a job retried after a killed worker, or two
schedulers by mistake change nothing the second time: delivery claims each notice under its row
lock (``notices.services``), enrolment and expiry write only what is due, and the other notices
carry a ``dedup_key``. The schedule is ``CELERY_BEAT_SCHEDULE`` in ``config.settings``.
"""
import logging

from django.core.management import call_command, get_commands

from config.celery import app
from notices import lifecycle, services

logger = logging.getLogger("notices")


@app.task(name="notices.deliver")
def deliver(ids):
    """Deliver these notices (those still pending); see ``notices.services.notices_deliver``."""
    return services.notices_deliver(ids=ids)


@app.task(name="notices.sweep")
def sweep():
    """Enqueue again the notices whose job was lost, and free those of a worker that died."""
    return services.notices_sweep()


@app.task(name="notices.enroll_due")
def enroll_due():
    from points.services import citizens_enroll_due

    return citizens_enroll_due()


@app.task(name="notices.expire_points")
def expire_points():
    from points.expiry import points_expire

    return points_expire().entries


@app.task(name="notices.expiry_warnings")
def expiry_warnings():
    return lifecycle.expiry_warnings()


@app.task(name="notices.appeals_overdue")
def appeals_overdue():
    return lifecycle.appeals_overdue_notices()


@app.task(name="notices.appeals_deadlines")
def appeals_deadlines():
    """Escalate the appeals whose source answer or decision is overdue (``manage.py appeals
    deadlines``): points suspended, supervisors and the source told. Returns the appeal ids."""
    from appeals.services import appeals_deadlines as escalate

    return [appeal.pk for appeal in escalate()]


# The ledger's signed checkpoint (issue 14) is a management command; the job runs it when this
# deployment has it, so that the schedule does not depend on which apps are installed.
LEDGER_CHECKPOINT_COMMAND = "ledger_checkpoint"


@app.task(name="notices.ledger_checkpoint")
def ledger_checkpoint():
    if LEDGER_CHECKPOINT_COMMAND not in get_commands():
        logger.info("no %s command in this deployment; nothing to do", LEDGER_CHECKPOINT_COMMAND)
        return False
    call_command(LEDGER_CHECKPOINT_COMMAND)
    return True
