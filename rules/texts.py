"""Policy texts in every language the register speaks, and the one a reader gets.

A policy file gives each text people read per language, ``title: {zh-hans: 照顾老人, en: Caring
for the elderly}``. ``Text.get()`` picks the active language (``django.utils.translation``: the
request's, the command's or the one a notice is written in), so the policy's objects read in the
reader's language without any caller choosing one.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

FALLBACK_LANGUAGES = ("zh-hans", "en")


def policy_languages() -> tuple[str, ...]:
    """The languages every policy text must be given in: the register's LANGUAGES."""
    try:
        from django.conf import settings

        return tuple(code for code, _ in settings.LANGUAGES)
    except Exception:  # settings not configured (a plain script): the shipped pair
        return FALLBACK_LANGUAGES


def active_language() -> str | None:
    try:
        from django.utils import translation

        return translation.get_language()
    except Exception:  # settings not configured
        return None


def _fallback_language() -> str | None:
    try:
        from django.conf import settings

        return settings.LANGUAGE_CODE
    except Exception:
        return None


@dataclass(frozen=True)
class Text:
    """One text in several languages; ``str()`` is the active language's version.

    ``texts`` pairs language codes with the text; the code ``""`` is a text written once for every
    language (a plain string in a stored policy version that predates translations).
    """

    texts: tuple[tuple[str, str], ...] = ()
    # What ``get`` found, by (wanted, fallback) language: every ledger entry a bulk load explains
    # reads a rule's title and explanation, so each is looked up once per language.
    _found: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, value: Text | str | Mapping[str, str] | None) -> Text:
        if isinstance(value, Text):
            return value
        if value is None:
            return cls()
        if isinstance(value, str):
            return cls((("", value),))
        return cls(tuple(value.items()))

    def get(self, language: str | None = None) -> str:
        """The text in ``language`` (default: the active one), else in LANGUAGE_CODE, else any."""
        key = (language or active_language(), _fallback_language())
        try:
            return self._found[key]
        except KeyError:
            pass
        by_code = dict(self.texts)
        found = next((text for text in (_lookup(by_code, wanted) for wanted in key) if text is not None),
                     self.texts[0][1] if self.texts else "")
        self._found[key] = found
        return found

    def languages(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.texts)

    def __str__(self) -> str:
        return self.get()

    def __bool__(self) -> bool:
        return any(text for _, text in self.texts)


def _lookup(by_code: dict[str, str], wanted: str | None) -> str | None:
    if not wanted:
        return None
    wanted = wanted.lower()
    if wanted in by_code:
        return by_code[wanted]
    base = wanted.split("-")[0]  # "zh-cn" or "zh" finds "zh-hans"; "en-us" finds "en"
    for code, text in by_code.items():
        if code.split("-")[0] == base:
            return text
    return by_code.get("")


class TextMap(Mapping):
    """``{key: Text}`` read as ``{key: text in the active language}`` (e.g. agency names)."""

    def __init__(self, texts: Mapping[str, Text]):
        self._texts = dict(texts)

    def __getitem__(self, key: str) -> str:
        return self._texts[key].get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, key: str) -> Text:
        return self._texts[key]

    def __eq__(self, other) -> bool:
        if isinstance(other, TextMap):
            return self._texts == other._texts
        return dict(self) == other

    __hash__ = None
