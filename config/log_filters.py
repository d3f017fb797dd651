"""Resident IDs masked in every log line: ``320324198005170123`` is written ``320324********0123``.

The first six digits (the district) and the last four stay, so a line can still be matched to a case
by someone who holds the ID; the birth date never reaches a log. Used by Django's ``LOGGING``
(``config/settings.py``) and by gunicorn's access and error logs (``config/gunicorn_logging.py``).
Imports nothing from Django: gunicorn's master process loads it before any settings.
"""
import logging
import re

# 18 characters standing alone: 17 digits and a check digit or X (GB 11643).
RESIDENT_ID = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
MASK = r"\1********\2"


def mask_resident_ids(text: str) -> str:
    return RESIDENT_ID.sub(MASK, text)


class MaskResidentIds(logging.Filter):
    """Rewrites a record's message (arguments merged in) and its traceback text with resident IDs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_resident_ids(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_resident_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_resident_ids(record.stack_info)
        return True
