"""Everything that shows due process is append-only on PostgreSQL: appeals and their transitions, the
access log, the admin log, notices and adjustment proposals refuse DELETE and any UPDATE outside their
documented columns (points.db_roles.PROTECTED), for the application role and for the owner."""
import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from appeals.models import Appeal
from appeals.services import appeal_file, appeal_start_review
from audit.services import access_log_record
from citizens.models import Citizen
from notices.models import Notice
from officials.models import AdjustmentProposal

pytestmark = pytest.mark.postgres


@pytest.fixture
def records(town):
    alice = town["alice"]
    appeal = appeal_file(event=town["drunk"].event, grounds="not me", by="clerk")
    appeal_start_review(appeal=appeal, by="reviewer")
    user = get_user_model().objects.create_user("clerk", password="x" * 20, is_staff=True)
    access_log_record(actor="clerk", actor_kind="official", citizen=alice, action="ledger.read", channel="admin")
    LogEntry.objects.log_actions(user_id=user.pk, queryset=Citizen.objects.filter(pk=alice.pk), action_flag=ADDITION)
    AdjustmentProposal.objects.create(citizen=alice, points=5, reason="why", proposed_by=user,
                                      proposed_at=appeal.filed_at)
    assert Notice.objects.filter(citizen=alice).exists()
    assert ContentType.objects.exists()
    return {"appeal": appeal}


ROWS = {
    "appeals_appeal": "grounds = 'rewritten'",
    "appeals_appealtransition": "reasons = 'rewritten'",
    "audit_accesslog": "actor = 'nobody'",
    "django_admin_log": "change_message = 'nothing'",
    "notices_notice": "body = 'you were never told'",
    "officials_adjustmentproposal": "reason = 'other'",
    "points_gradechange": "score = 1",
}


@pytest.mark.parametrize("table, change", ROWS.items())
def test_the_application_role_may_not_rewrite_or_delete(records, as_app, table, change):
    assert "permission denied" in as_app.refused(f"UPDATE {table} SET {change}")
    assert "permission denied" in as_app.refused(f"DELETE FROM {table}")


@pytest.mark.parametrize("table, change", ROWS.items())
def test_the_owner_is_refused_by_the_guard_trigger(records, as_owner, table, change):
    with pytest.raises(Exception, match="append-only"):
        as_owner(f"UPDATE {table} SET {change}")
    with pytest.raises(Exception, match="never deleted"):
        as_owner(f"DELETE FROM {table}")


def test_documented_columns_still_move(records, as_app):
    as_app.run("UPDATE notices_notice SET attempts = attempts + 1, last_error = 'smtp down'")
    as_app.run("UPDATE appeals_appeal SET decision_reasons = 'pending' WHERE id = %s", [records["appeal"].pk])
    as_app.run("UPDATE officials_adjustmentproposal SET rejection_reason = 'no'")
    assert Appeal.objects.get(pk=records["appeal"].pk).decision_reasons == "pending"
    assert set(Notice.objects.values_list("last_error", flat=True)) == {"smtp down"}


def test_other_tables_keep_full_dml(records, as_app):
    """Tables outside PROTECTED (sessions, auth, tables other apps add) get every DML privilege."""
    as_app.run("DELETE FROM django_session")
    as_app.run("UPDATE auth_user SET last_login = now()")
    as_app.run("DELETE FROM auth_user_groups")
