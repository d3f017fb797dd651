"""Resident ID numbers as list screens show them: region code and last four kept, birth date hidden.

``320324198005171234`` becomes ``320324********1234``: enough to tell people apart on a list and
to check against a paper file, not enough to read a birth date or to search the register with.
Only a citizen's own page (the official opened the person) shows the whole number.
"""
import re

# An 18-character resident ID standing alone in a text (not part of a longer number or token).
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_resident_id(resident_id: str) -> str:
    """The ID with its eight birth-date characters replaced by ``*``; anything else wholly masked."""
    value = str(resident_id or "")
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    return "*" * len(value)


def mask_resident_ids(text: str) -> str:
    """``text`` with every resident ID in it masked (for free text such as the admin's action log)."""
    return RESIDENT_ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), str(text or ""))
