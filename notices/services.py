"""Writes: notices for every step of a record, and their delivery through the task queue.

No notice is lost:

* a notice is written in the transaction of the change it reports (``points.signals`` for the
  ledger, ``notices.receivers`` for appeals and eligibility answers), so neither commits alone;
* the notice row is the outbox: ``delivery_status`` ``pending`` until a worker delivered it.
  After commit its id is handed to the queue (``notices.tasks.deliver``); if that message is
  lost (broker down, process killed between commit and publish), ``notices_sweep`` finds the
  notice still pending and enqueues it again;
* a worker claims a notice (``pending`` → ``sending`` under the row lock, with a lease) before
  sending it and records the outcome in its own transaction right after, so a repeated or
  duplicated message finds it ``sending`` or ``delivered`` and skips it. A worker killed
  mid-send leaves it ``sending``; when the lease ends the sweep marks that attempt ``lost`` and
  makes it pending again.
"""
import contextlib
import datetime
import logging
import os
import random
import socket
from itertools import groupby

from celery import current_app as app
from celery import signature
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from notices import wording
from notices.channels import PermanentFailure, channel_for, get_channel
from notices.models import AgencyContact, DeliveryAttempt, Notice
from points.db import bulk
from points.models import LedgerEntry

logger = logging.getLogger("notices")

_KINDS = {
    LedgerEntry.Kind.OPENING: Notice.Kind.ENROLMENT,
    LedgerEntry.Kind.RULE: Notice.Kind.POINTS,
    LedgerEntry.Kind.REVERSAL: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.EXPIRY: Notice.Kind.EXPIRY,
    # Due process (appeals, lifts): told as the change of points they are, in their own words (wording._why).
    LedgerEntry.Kind.SUSPENSION: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.LIFT: Notice.Kind.REVERSAL,
    LedgerEntry.Kind.REINSTATEMENT: Notice.Kind.POINTS,
}
QUEUED_CHANNELS = (Notice.Channel.EMAIL, Notice.Channel.SMS)
# Notice ids per queue message (a worker sends them in claims of CLAIM_CHUNK over one connection).
# Publishing a message costs about the same whatever its size, and the commit that wrote the
# notices pays it: fewer, larger messages keep a bulk ingest's commits cheap.
ENQUEUE_CHUNK = 200
# The queue's delivery job (``notices.tasks.deliver``), named: the tasks module builds on this one.
deliver = signature("notices.deliver")
CLAIM_CHUNK = 20  # notices a worker claims at once (all are sent before their lease ends)


def notices_create(*, changes, policy, at) -> list:
    """One notice per (citizen, event) in ``changes`` (see ``points.signals``), written in bulk."""
    tz, now = timezone.get_current_timezone(), timezone.now()
    grades, notices = {}, []
    for citizen, entries in changes:
        for _, group in groupby(entries, key=lambda entry: entry.event_id):
            group = list(group)
            grade_before = grades.get(citizen.pk, citizen.grade)
            grades[citizen.pk] = policy.grade_for(group[-1].balance_after)
            notices.append(_ledger_notice(citizen, group, policy, at, grade_before, grades[citizen.pk], tz, now))
    bulk.insert_all(Notice, notices)
    notices_enqueue_on_commit(notices)
    return notices


def _ledger_notice(citizen, entries, policy, at, grade_before, grade_after, tz, now) -> Notice:
    event, first = entries[0].event, entries[0]
    opening = first.kind == LedgerEntry.Kind.OPENING
    score_before = None if opening else first.balance_after - first.delta
    score_after = entries[-1].balance_after
    with wording.in_citizens_language(citizen):
        subject = wording.subject(kind=first.kind, score_before=score_before, score_after=score_after,
                                  grade_before=grade_before, grade_after=grade_after)
        body = wording.body(citizen=citizen, event=event, entries=entries, policy=policy, score_before=score_before,
                            grade_before=grade_before, grade_after=grade_after, tz=tz)
    return bulk.build(
        Notice, citizen_id=citizen.pk, event_id=event.pk, kind=_KINDS[first.kind], created_at=at,
        score_before=score_before, score_after=score_after, grade_before=grade_before or "", grade_after=grade_after,
        rule_ids=[entry.rule_id for entry in entries],
        subject=subject, body=body,
        appeal_deadline_days=policy.appeal_deadline_days if wording.appealable(event, entries) else None,
        **_routing(citizen, now),
    )


def _routing(citizen, now) -> dict:
    channel = channel_for(citizen)
    status = Notice.Delivery.PENDING if channel else Notice.Delivery.UNDELIVERABLE
    return {"channel": channel, "delivery_status": status, "next_attempt_at": now if channel else None}


def notice_to_citizen(*, citizen, kind, subject, body, dedup_key=None, now=None, **fields) -> Notice | None:
    """Write one notice to a citizen (in the caller's transaction) and deliver it after commit.

    With ``dedup_key``, a notice with that key already written wins and None is returned: a
    scheduled job run twice, or 300 identical lookups, tell the person once.
    """
    now = now or timezone.now()
    notice = Notice(citizen=citizen, kind=kind, subject=subject, body=body, dedup_key=dedup_key, created_at=now,
                    **fields, **_routing(citizen, now))
    if not _insert_once(notice):
        return None
    notices_enqueue_on_commit([notice])
    return notice


def notice_to_agency(*, agency, kind, subject, body, dedup_key=None, now=None, **fields) -> Notice | None:
    """Write a notice to an agency (in the caller's transaction): emailed to its ``AgencyContact``
    through the queue, or, without one, kept in its inbox (listed to the agency, not sent)."""
    now = now or timezone.now()
    notice = Notice(agency=agency, kind=kind, subject=subject, body=body, dedup_key=dedup_key, created_at=now,
                    **fields, **_agency_routing(agency, now))
    if not _insert_once(notice):
        return None
    notices_enqueue_on_commit([notice])
    return notice


def notice_to_official(*, official, kind, subject, body, dedup_key=None, now=None, **fields) -> Notice | None:
    """Write a notice to an official (a supervisor) and email it after commit; without an email
    address in their account it is undeliverable, and shows so in the admin."""
    now = now or timezone.now()
    notice = Notice(official=official, kind=kind, subject=subject, body=body, dedup_key=dedup_key, created_at=now,
                    **fields, **_official_routing(official, now))
    if not _insert_once(notice):
        return None
    notices_enqueue_on_commit([notice])
    return notice


def _agency_routing(agency, now) -> dict:
    contact = AgencyContact.objects.filter(agency=agency).exclude(email="").first()
    if contact is None:
        return {"channel": Notice.Channel.INBOX, "delivery_status": Notice.Delivery.STORED, "next_attempt_at": None}
    return {"channel": Notice.Channel.EMAIL, "delivery_status": Notice.Delivery.PENDING, "next_attempt_at": now}


def _official_routing(official, now) -> dict:
    if not official.email:
        return {"channel": "", "delivery_status": Notice.Delivery.UNDELIVERABLE, "next_attempt_at": None}
    return {"channel": Notice.Channel.EMAIL, "delivery_status": Notice.Delivery.PENDING, "next_attempt_at": now}


def _route(notice, now) -> dict:
    """The channel the notice's addressee's contacts give now."""
    if notice.citizen_id:
        return _routing(notice.citizen, now)
    if notice.official_id:
        return _official_routing(notice.official, now)
    return _agency_routing(notice.agency, now)


def _insert_once(notice: Notice) -> bool:
    if notice.dedup_key is None:
        notice.save()
        return True
    if Notice.objects.filter(dedup_key=notice.dedup_key).exists():
        return False
    created = Notice.objects.bulk_create([notice], ignore_conflicts=True)  # a racing writer may have won
    if notice.pk is None:  # some databases do not return the id of an ignore_conflicts insert
        found = Notice.objects.filter(dedup_key=notice.dedup_key, created_at=notice.created_at,
                                      subject=notice.subject).values_list("pk", flat=True).first()
        notice.pk = found
    return bool(created) and notice.pk is not None


# --- Handing notices to the queue ------------------------------------------------------------


def notices_enqueue_on_commit(notices) -> None:
    """After the writing transaction commits, give the queue the notices a worker sends (unless
    ``NOTICES_ENQUEUE_ON_COMMIT`` is off: then the sweep finds them pending)."""
    if not settings.NOTICES_ENQUEUE_ON_COMMIT:
        return
    queued = [n for n in notices if n.delivery_status == Notice.Delivery.PENDING and n.channel in QUEUED_CHANNELS]
    if queued:
        # Ids are read at commit: the ledger writer inserts its notices together with its entries.
        transaction.on_commit(lambda: notices_enqueue([n.pk for n in queued]))


def notices_enqueue(ids, *, countdown: float | None = None) -> int:
    """Publish delivery jobs for ``ids``; returns how many messages went out.

    A broker that is down loses nothing: the notices stay pending and the sweep enqueues them
    again. So this never raises for a broker problem (the report that made them has committed).
    """
    sent = 0
    try:
        with app.producer_or_acquire() as producer:  # one connection for every message of a commit
            for start in range(0, len(ids), ENQUEUE_CHUNK):
                deliver.apply_async(args=[list(ids[start:start + ENQUEUE_CHUNK])], countdown=countdown,
                                    producer=producer)
                sent += 1
    except (OperationalError, ConnectionError, OSError) as exc:  # the broker is down or unreachable
        logger.warning("queue unavailable, %s notice(s) wait for the sweep: %s", len(ids) - sent * ENQUEUE_CHUNK,
                       exc)
    return sent


# --- Delivery (the worker) -------------------------------------------------------------------


def notices_deliver(*, ids, now=None) -> dict:
    """Deliver the notices among ``ids`` that are still due; the body of the queue's job.

    Safe to run twice, or in two workers at once, for the same ids: each notice is claimed under
    its row lock first, and only a pending one can be claimed.
    """
    counts = {"delivered": 0, "retry": 0, "dead": 0, "skipped": 0}
    ids = sorted(set(ids))
    with _asynchronous_commit(), _OpenChannels() as channels:
        for start in range(0, len(ids), CLAIM_CHUNK):
            chunk = ids[start:start + CLAIM_CHUNK]
            claimed = _claim(chunk, now or timezone.now())
            counts["skipped"] += len(chunk) - len(claimed)
            by_channel = groupby(sorted(claimed, key=lambda c: c[0].channel), key=lambda c: c[0].channel)
            for channel_name, group in by_channel:
                for outcome in _send_group(channels.get(channel_name), list(group)):
                    counts[outcome] += 1
    return counts


class _OpenChannels:
    """The channels one job sends through, each opened on first use and kept open for the whole
    job (one SMTP connection for all its notices), closed when the job ends."""

    def __init__(self):
        self.open = {}

    def get(self, name):
        if name not in self.open:
            self.open[name] = get_channel(name)
            self.open[name].open()
        return self.open[name]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for channel in self.open.values():
            channel.close()


@contextlib.contextmanager
def _asynchronous_commit():
    """On PostgreSQL, let delivery's commits return before their WAL reaches the disk.

    Each outcome is committed, visible at once and atomic, so a worker killed after recording a
    notice sent never sends it again; only a crash of the database server itself within a fraction
    of a second could lose an outcome (and send that notice once more). That trade saves one
    fsync per notice sent. Ledger writes never run under it.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(ids, now) -> list:
    """Move the due pending notices among ``ids`` to ``sending`` and open an attempt for each,
    with the address the register holds now."""
    lease = now + datetime.timedelta(seconds=settings.NOTICES_LEASE_SECONDS)
    # A retry message may arrive a little before its time on a machine whose clock runs ahead.
    due = Q(delivery_status=Notice.Delivery.PENDING, next_attempt_at__lte=now + datetime.timedelta(seconds=5))
    with transaction.atomic():
        notices = list(Notice.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(due, pk__in=ids, channel__in=QUEUED_CHANNELS)
                       .select_related("citizen", "official", "agency__notice_contact").order_by("pk"))
        if not notices:
            return []
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
            delivery_status=Notice.Delivery.SENDING, lease_until=lease, attempts=F("attempts") + 1)
        worker, channels, attempts = _worker_name(), {}, []
        for notice in notices:
            notice.attempts += 1
            channel = channels.setdefault(notice.channel, get_channel(notice.channel))
            attempts.append(DeliveryAttempt(notice=notice, number=notice.attempts, channel=notice.channel,
                                            started_at=now, worker=worker,
                                            address=channel.address(notice.addressee)[:300]))
        DeliveryAttempt.objects.bulk_create(attempts)
    return list(zip(notices, attempts, strict=True))


def _send_group(channel, claimed) -> list:
    outcomes, delivered = [], []
    try:
        for notice, attempt in claimed:
            outcomes.append(_send_one(channel, notice, attempt))
            if outcomes[-1] == "delivered":
                delivered.append(attempt.pk)
    finally:
        # The notices themselves were marked one by one; their attempts can say so together (if
        # the worker dies first, the sweep closes them from the notice's state).
        DeliveryAttempt.objects.filter(pk__in=delivered).update(outcome=DeliveryAttempt.Outcome.DELIVERED,
                                                                finished_at=timezone.now())
    return outcomes


def _send_one(channel, notice, attempt) -> str:
    try:
        if not attempt.address:
            raise PermanentFailure(f"no {channel.name} address in the register")
        channel.send(notice, attempt.address)
    except PermanentFailure as exc:
        return _record_failure(notice, attempt, str(exc), permanent=True)
    except Exception as exc:  # a channel's failure is retried; it never undoes the change notified
        return _record_failure(notice, attempt, f"{type(exc).__name__}: {exc}", permanent=False)
    # One statement, committed at once: from here no worker can send this notice again.
    Notice.objects.filter(pk=notice.pk).update(delivery_status=Notice.Delivery.DELIVERED, delivered_at=timezone.now(),
                                               lease_until=None, next_attempt_at=None, last_error="")
    return "delivered"


def retry_delay(attempts_made: int) -> float:
    """Seconds before the next try after ``attempts_made`` failed tries: exponential, capped, with
    jitter so that notices failed together do not come back together."""
    delay = settings.NOTICES_RETRY_BASE_SECONDS * 2 ** max(attempts_made - 1, 0)
    return min(delay, settings.NOTICES_RETRY_MAX_SECONDS) * random.uniform(0.8, 1.0)


def _record_failure(notice, attempt, error, *, permanent) -> str:
    now = timezone.now()
    spent = notice.attempts - notice.attempts_at_resend
    dead = permanent or spent >= settings.NOTICES_MAX_ATTEMPTS
    if dead and not permanent:
        error = f"{error} (gave up after {spent} attempts)"
    delay = retry_delay(spent)
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(
            delivery_status=Notice.Delivery.DEAD if dead else Notice.Delivery.PENDING, lease_until=None,
            next_attempt_at=None if dead else now + datetime.timedelta(seconds=delay), last_error=error[:2000])
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            outcome=DeliveryAttempt.Outcome.DEAD if dead else DeliveryAttempt.Outcome.RETRY, finished_at=now,
            error=error[:2000])
        if not dead:
            transaction.on_commit(lambda: notices_enqueue([notice.pk], countdown=delay))
    logger.warning("notice %s not delivered (%s): %s", notice.pk, "dead letter" if dead else "will retry", error)
    return "dead" if dead else "retry"


# --- The sweep, resend -----------------------------------------------------------------------


def notices_sweep(*, now=None) -> dict:
    """Find notices whose job was lost and enqueue them again (idempotent; run every minute).

    * ``sending`` past its lease: the worker died mid-send; its attempt is marked ``lost``.
    * ``pending`` and due for longer than ``NOTICES_SWEEP_GRACE_SECONDS``: the message never
      came (broker down at commit, a process killed between commit and publish, a purged queue).
    """
    now = now or timezone.now()
    with transaction.atomic():
        stalled = list(Notice.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            delivery_status=Notice.Delivery.SENDING, lease_until__lt=now).values_list("pk", flat=True))
        DeliveryAttempt.objects.filter(notice_id__in=stalled, outcome=DeliveryAttempt.Outcome.SENDING).update(
            outcome=DeliveryAttempt.Outcome.LOST, finished_at=now,
            error="the worker stopped before the attempt ended (lease expired)")
        Notice.objects.filter(pk__in=stalled).update(delivery_status=Notice.Delivery.PENDING, lease_until=None,
                                                     next_attempt_at=now)
        # Attempts of notices recorded delivered by a worker that died before closing them.
        DeliveryAttempt.objects.filter(outcome=DeliveryAttempt.Outcome.SENDING,
                                       notice__delivery_status=Notice.Delivery.DELIVERED).update(
            outcome=DeliveryAttempt.Outcome.DELIVERED, finished_at=now)
        late = now - datetime.timedelta(seconds=settings.NOTICES_SWEEP_GRACE_SECONDS)
        waiting = list(Notice.objects.filter(delivery_status=Notice.Delivery.PENDING, next_attempt_at__lte=late,
                                             channel__in=QUEUED_CHANNELS).values_list("pk", flat=True)[:50000])
        # Not swept again before another grace period: a backlog is not enqueued over and over.
        Notice.objects.filter(pk__in=waiting).update(next_attempt_at=now)
    ids = sorted(set(stalled) | set(waiting))
    messages = notices_enqueue(ids) if ids else 0
    return {"stalled": len(stalled), "waiting": len(waiting), "messages": messages}


def notice_resend(*, notice: Notice, now=None) -> Notice:
    """Send a notice again, through the channel its addressee's contacts give now (the operators'
    resend: after a dead letter, or a contact corrected). A new retry budget starts."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).get(pk=notice.pk)
        if notice.delivery_status == Notice.Delivery.SENDING:
            return notice
        for name, value in _route(notice, now).items():
            setattr(notice, name, value)
        notice.attempts_at_resend, notice.last_error, notice.delivered_at = notice.attempts, "", None
        notice.save(update_fields=["channel", "delivery_status", "next_attempt_at", "attempts_at_resend",
                                   "last_error", "delivered_at"])
        notices_enqueue_on_commit([notice])
    return notice
