"""Copy every appeals.AppealNotice into notices.Notice, the one store and outbox of notices.

* To the reporting agency: one notice per (appeal, moment), with the dedup key the code now uses
  (``appeal-<moment>-agency:<appeal>``); a filed notice the agency already had in notices is kept
  as it is. Emailed when the agency has a contact (none can exist yet), else kept in its inbox.
* To the supervisors' queue: one notice to each active staff member of the supervisors' group
  (``NOTICES_SUPERVISORS_GROUP``), pending (the sweep enqueues it) or undeliverable without an email.
  With no such official the row is not copied: the escalation stays in the appeal's transitions
  and in the admin's supervisors' queue.

Reversing deletes nothing: the copies stay, and AppealNotice comes back empty.
"""
from django.conf import settings
from django.db import migrations
from django.utils import timezone

KINDS = {"filed": "appeal_filed", "escalated": "appeal_escalated", "decided": "appeal_decided"}


def copy_appeal_notices(apps, schema_editor):
    AppealNotice = apps.get_model("appeals", "AppealNotice")
    Notice = apps.get_model("notices", "Notice")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    supervisors = list(User.objects.filter(is_active=True, is_staff=True,
                                           groups__name=settings.NOTICES_SUPERVISORS_GROUP).distinct().order_by("pk"))
    now = timezone.now()
    for old in AppealNotice.objects.select_related("appeal").order_by("pk").iterator():
        common = {"kind": KINDS[old.moment], "subject": old.subject[:200], "body": old.body,
                  "created_at": old.created_at, "appeal_id": old.appeal_id, "event_id": old.appeal.event_id}
        if old.recipient == "agency":
            key = f"appeal-{old.moment}-agency:{old.appeal_id}"
            if not Notice.objects.filter(dedup_key=key).exists():
                Notice.objects.create(agency_id=old.agency_id, dedup_key=key, channel="inbox",
                                      delivery_status="stored", **common)
            continue
        for official in supervisors:
            key = f"appeal-escalated-supervisor:{old.appeal_id}:{official.pk}"
            if Notice.objects.filter(dedup_key=key).exists():
                continue
            routing = ({"channel": "email", "delivery_status": "pending", "next_attempt_at": now} if official.email
                       else {"channel": "", "delivery_status": "undeliverable"})
            Notice.objects.create(official_id=official.pk, dedup_key=key, **routing, **common)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0003_due_process"),
        ("notices", "0005_agency_and_supervisor_notices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(copy_appeal_notices, migrations.RunPython.noop)]
