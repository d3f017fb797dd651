"""The model-layer half of the tamper-proof record (the database half is migration 0002's triggers).

Ledger entries are append-only: never saved twice, updated or deleted. Events are append-only
too, except for one change: the reversal mechanism (``points.writer.mark_event``, called by
``points.services.event_withdraw``) moves
an event's status from ``applied`` to ``retracted`` or ``voided``, with who, when and why, in a
single queryset ``update`` of the four status fields. Everything else raises ``ImmutableRecord``.
On PostgreSQL the triggers refuse the same even for raw SQL; on SQLite this layer is the guard.
"""
from django.db import models

from core.exceptions import ImmutableRecord

EVENT_STATUS_FIELDS = frozenset({"status", "status_reason", "status_changed_at", "status_changed_by"})
APPLIED = "applied"
WITHDRAWN = frozenset({"retracted", "voided"})


class AppendOnlyQuerySet(models.QuerySet):
    """Rows can be created (one by one or in bulk) and read, never updated or deleted."""

    def update(self, **kwargs):
        raise ImmutableRecord(f"{self.model._meta.verbose_name_plural} are never updated.")

    def delete(self):
        raise ImmutableRecord(f"{self.model._meta.verbose_name_plural} are never deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        # Refuse before Django opens its transaction, so the caller's transaction stays usable.
        raise ImmutableRecord(f"{self.model._meta.verbose_name_plural} are never updated.")


class EventQuerySet(AppendOnlyQuerySet):
    """Events: append-only, plus the one status transition the reversal mechanism makes."""

    def update(self, **kwargs):
        if not kwargs.keys() <= EVENT_STATUS_FIELDS or kwargs.get("status") not in WITHDRAWN:
            raise ImmutableRecord(
                "Events are never changed; only their status moves from applied to retracted or voided "
                "(through points.writer.mark_event)."
            )
        # Only applied events may move, so a withdrawn event can never be re-applied.
        return models.QuerySet.update(self.filter(status=APPLIED), **kwargs)


class AppendOnlyModel(models.Model):
    """Refuses ``save()`` of a stored row and ``delete()``."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(f"{self._meta.verbose_name} {self.pk} is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord(f"{self._meta.verbose_name} {self.pk} is never deleted.")
