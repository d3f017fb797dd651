"""Delivery channels for notices. ``settings.NOTICES_BACKEND`` names the class to use.

A backend sends one notice at a time and raises on failure; ``notices.services`` records the
outcome. Write a new one (SMS gateway, post room export, ...) by subclassing ``NoticeBackend``.
"""
import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("notices")


class NoticeBackend:
    """Base class. ``delivers = False`` means notices are only stored (nothing to send)."""

    delivers = True

    def send(self, notice) -> None:
        raise NotImplementedError


class StoredOnlyBackend(NoticeBackend):
    """The default: notices are stored and shown by officials (statement, admin); nothing is sent."""

    delivers = False


class LogBackend(NoticeBackend):
    """Writes each notice to the ``notices`` logger (for a log shipper to pick up)."""

    def send(self, notice) -> None:
        logger.info("notice %s to %s: %s\n%s", notice.pk, notice.citizen_id, notice.subject, notice.body)


class ConsoleBackend(NoticeBackend):
    """Prints each notice to standard output (development)."""

    def send(self, notice) -> None:
        sys.stdout.write(f"--- notice {notice.pk} to citizen {notice.citizen_id}\n{notice.subject}\n\n"
                         f"{notice.body}\n")


def backend_path() -> str:
    return getattr(settings, "NOTICES_BACKEND", "notices.backends.StoredOnlyBackend")


def get_backend() -> NoticeBackend:
    return import_string(backend_path())()
