"""``record_policy_version``: one lookup per process and policy version, never wrong after a rollback,
a deletion or a flush (``points.recorded_versions``)."""
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from points import recorded_versions, writer
from rules.models import PolicyVersion
from rules.registry import current_policy


@pytest.fixture(autouse=True)
def _nothing_remembered():
    recorded_versions.forget_all()
    yield
    recorded_versions.forget_all()


def stored(policy) -> bool:
    return PolicyVersion.objects.filter(hash=policy.version).exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_version_is_not_looked_up_again():
    policy = current_policy()
    with transaction.atomic():
        writer.record_policy_version(policy)
        assert not recorded_versions.is_known(policy.version)  # not before the commit
    assert recorded_versions.is_known(policy.version) and stored(policy)
    with CaptureQueriesContext(connection) as queries:
        writer.record_policy_version(policy)
    assert not [q for q in queries if "rules_policyversion" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_version_is_stored_again():
    policy = current_policy()
    with pytest.raises(RuntimeError), transaction.atomic():
        writer.record_policy_version(policy)
        raise RuntimeError("the report failed")
    assert not recorded_versions.is_known(policy.version) and not stored(policy)
    writer.record_policy_version(policy)
    assert stored(policy)


def test_callbacks_run_inside_an_open_transaction_prove_nothing(db, django_capture_on_commit_callbacks):
    """Tests run captured on-commit callbacks inside their own transaction, which is then rolled back."""
    policy = current_policy()
    with django_capture_on_commit_callbacks(execute=True):
        writer.record_policy_version(policy)
    assert stored(policy) and not recorded_versions.is_known(policy.version)


@pytest.mark.django_db(transaction=True)
def test_deleted_or_flushed_versions_are_forgotten(as_db_owner):  # flush is the owner's
    policy = current_policy()
    writer.record_policy_version(policy)
    assert recorded_versions.is_known(policy.version)
    PolicyVersion.objects.all().delete()
    assert not recorded_versions.is_known(policy.version)
    writer.record_policy_version(policy)
    assert stored(policy) and recorded_versions.is_known(policy.version)
    call_command("flush", interactive=False, verbosity=0)
    assert not recorded_versions.is_known(policy.version)
    writer.record_policy_version(policy)
    assert stored(policy)
