"""Which policy versions this process knows to be stored (for ``points.writer.record_policy_version``).

Every ledger entry names the policy version that produced it, and the version's files must be
stored in ``PolicyVersion``. Checking that on every report costs a query for something that
changes only when a policy is published, so each process remembers the versions it has seen
stored. It remembers a version only after the transaction that found or wrote the row has really
committed (a rolled-back row must be looked for again), and forgets everything when rows may
have gone: a ``PolicyVersion`` deleted, or the database flushed (``flush``, as tests run it between
transactional tests, ends with ``post_migrate``).
"""
from functools import partial

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate
from django.dispatch import receiver

from rules.models import PolicyVersion

_stored: set[str] = set()


def is_known(version: str) -> bool:
    """Whether this process has seen the version's row committed."""
    return version in _stored


def remember_after_commit(version: str) -> None:
    """Remember the version once the current transaction commits (at once in autocommit)."""
    transaction.on_commit(partial(_remember, version))


def _remember(version: str) -> None:
    # After a real commit the connection is back in autocommit. A test that runs captured
    # on-commit callbacks by hand does so inside its own transaction, which is then rolled back:
    # that proves nothing about the row, so nothing is remembered.
    if connection.get_autocommit():
        _stored.add(version)


@receiver(post_delete, sender=PolicyVersion, dispatch_uid="points_recorded_versions_deleted")
@receiver(post_migrate, dispatch_uid="points_recorded_versions_flushed")
def forget_all(**kwargs) -> None:
    """Forget every remembered version (rows may be gone)."""
    _stored.clear()
