"""Running processes follow the newest published policy version, without a restart.

``PublishedPolicyResolver`` is installed with ``rules.registry.set_resolver`` when the app
starts. On ``current_policy()`` it looks at the database at most once per interval (one
indexed query for the newest published version's hash) and builds a Policy from the
stored files only when that hash differs from the policy in force. A stored version that
fails to load is logged once and skipped: the running policy stays.
"""
from __future__ import annotations

import logging
import threading
import time

from rules.errors import PolicyError
from rules.loader import policy_from_files
from rules.models import PolicyVersion

logger = logging.getLogger(__name__)


def newest_published_hash() -> str | None:
    return (
        PolicyVersion.objects.filter(published=True, published_at__isnull=False).order_by("-published_at", "-id")
        .values_list("hash", flat=True).first()
    )


class PublishedPolicyResolver:
    """A ``rules.registry`` resolver: the newest published version wins (checked every ``interval`` s)."""

    def __init__(self, interval: float = 1.0, clock=time.monotonic):
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._failed: set[str] = set()
        self._last_error = ""

    def __call__(self, current):
        now = self._clock()
        if now < self._next_check or not self._lock.acquire(blocking=False):
            return None
        try:
            self._next_check = now + self.interval
            return self._newer(current)
        except Exception as exc:  # never break scoring: keep the running policy
            self._log_once(f"policy version check failed, keeping {current.version[:12]}: {exc!r}")
            return None
        finally:
            self._lock.release()

    def _newer(self, current):
        newest = newest_published_hash()
        if newest is None or newest == current.version or newest in self._failed:
            return None
        files = PolicyVersion.objects.values_list("files", flat=True).get(hash=newest)
        try:
            policy = policy_from_files(files)
        except PolicyError as exc:
            self._failed.add(newest)
            logger.error("published policy %s does not load; keeping %s:\n%s", newest[:12], current.version[:12], exc)
            return None
        if policy.version != newest:
            self._failed.add(newest)
            logger.error("stored policy %s has files hashing to %s; keeping %s", newest[:12], policy.version[:12],
                         current.version[:12])
            return None
        logger.warning("policy version %s is now in force (was %s)", newest[:12], current.version[:12])
        return policy

    def _log_once(self, message: str) -> None:
        if message != self._last_error:
            self._last_error = message
            logger.warning(message)
