"""access_log_record: one row per read, from any channel."""
from audit.models import AccessLog
from audit.services import access_log_record


def test_records_a_read_from_the_admin_too(make_citizen):
    citizen = make_citizen()
    log = access_log_record(actor="auditor", actor_kind="user", citizen=citizen, action="citizen.view",
                            channel="admin", path="/admin/citizens/citizen/1/" + "x" * 600)
    stored = AccessLog.objects.get(pk=log.pk)
    assert (stored.actor, stored.actor_kind, stored.citizen, stored.action, stored.channel) == (
        "auditor", "user", citizen, "citizen.view", "admin")
    assert len(stored.path) == 500 and stored.at is not None
    assert list(citizen.access_log.all()) == [stored]
