"""Every ledger entry in words: the one explainer.

The API, the admin's citizen page, the statement (HTML, PDF and JSON) and the notices call
``entry_explanation`` and print its ``text``; none of them words an entry itself, so one entry reads the
same everywhere (tests/statements/test_one_explainer.py compares them). Any new page that shows entries
should do the same.

Policy texts (titles, explanations, legal bases) come from the policy in force when the rule still exists
there, so wording fixes reach old entries; otherwise the title stored on the entry is used. An entry that
undoes another says what it undoes by that entry's title and day, never by a database id. Every sentence
goes through gettext with named placeholders, so a translation may reorder them; ``language`` words the
entry in a given language whatever the active one is.
"""
import contextlib
import contextvars
import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import dateformat, timezone, translation

from points.models import Event, LedgerEntry
from rules.models import PolicyVersion
from rules.texts import Text

# What ``entry_explanation`` reads beyond the entry: join these (select_related) to explain a page of
# entries in a fixed number of queries.
EXPLAIN_RELATED = ("event", "event__agency", "event__corrects", "event__lifts", "reverses")
ENROLMENT_EVENT_TYPE = "enrolment"


@dataclass(frozen=True)
class Explanation:
    """One entry in words. ``text`` is what every surface prints; the other fields are its parts."""

    kind: str
    title: str  # the rule's title (for an undoing entry: the title of the rule whose points it undoes)
    explanation: str  # why, in plain words
    legal_basis: str
    rule_in_force: bool
    points: int
    event_title: str
    occurred_on: datetime.date  # the day the entry's event happened
    counted_on: datetime.date  # the day the entry was written
    counts_until: datetime.date | None  # the last day these points count, if they expire
    stopped_counting_on: datetime.date | None  # for an entry that undoes points: the day they stopped
    reason: str  # the written reason a person gave, as given
    what_you_can_do: str
    text: str
    policy_note: str = ""  # set when the entry was made under another policy version than the one in force


def entry_explanation(*, entry: LedgerEntry, policy, language: str | None = None) -> Explanation:
    """The words that explain ``entry`` under ``policy`` (the policy in force), in ``language`` (default:
    the active language)."""
    with translation.override(language) if language else contextlib.nullcontext():
        wording = _Wording(translation.get_language(), timezone.get_current_timezone())
        shared = _shared.get()
        key = (id(entry), id(policy), wording)
        if shared is not None and key in shared:
            return shared[key][2]
        token = _wording.set(wording)
        try:
            explanation = _explain(entry, policy)
        finally:
            _wording.reset(token)
        if shared is not None:
            shared[key] = (entry, policy, explanation)  # held, so that their ids are not reused in the block
        return explanation


@contextlib.contextmanager
def explanations_shared():
    """Inside the block, an entry explained again under the same policy, in the same language and time
    zone, gets the words already made: a report's notice and the API's answer word the same new entries.

    For one request's entries, which do not change while it runs; a block inside another joins it.
    """
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


# --- translated words ---------------------------------------------------------------------------------
# An API batch explains thousands of entries: each explanation looks the language and time zone up once
# (``_wording``) and each message once per language (the caches below), instead of at every sentence.


@dataclass(frozen=True)
class _Wording:
    language: str | None
    tz: datetime.tzinfo


_wording: contextvars.ContextVar[_Wording | None] = contextvars.ContextVar("explain_wording", default=None)
_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("explain_shared", default=None)


def _language() -> str | None:
    wording = _wording.get()
    return wording.language if wording is not None else translation.get_language()


def _local_day(moment: datetime.datetime) -> datetime.date:
    wording = _wording.get()
    return moment.astimezone(wording.tz).date() if wording is not None else timezone.localdate(moment)


def _(message: str) -> str:
    return _gettext(_language(), message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _ngettext(_language(), singular, plural, number)


def pgettext(context: str, message: str) -> str:
    return _pgettext(_language(), context, message)


@functools.lru_cache(maxsize=512)
def _gettext(language, message):
    with translation.override(language):
        return translation.gettext(message)


@functools.lru_cache(maxsize=2048)
def _ngettext(language, singular, plural, number):
    with translation.override(language):
        return translation.ngettext(singular, plural, number)


@functools.lru_cache(maxsize=64)
def _pgettext(language, context, message):
    with translation.override(language):
        return translation.pgettext(context, message)


@receiver(setting_changed)
def _forget_translations(*, setting, **kwargs):
    """Catalogues follow these settings (tests change them)."""
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N", "INSTALLED_APPS"):
        for cache in (_gettext, _ngettext, _pgettext, _day_words):
            cache.cache_clear()


def _policy_text(obj, name: str) -> str:
    """``obj.<name>`` (a rule's or event type's text) in the explanation's language, read from its
    per-language ``<name>_text`` when it has one."""
    text = getattr(obj, f"{name}_text", None)
    if isinstance(text, Text):
        return text.get(_language())
    return localized(getattr(obj, name, ""))


def localized(value, language: str | None = None) -> str:
    """A policy text in the active language: a plain string, or a mapping of language codes to texts."""
    if not isinstance(value, Mapping):
        return value or ""
    wanted = language or translation.get_language() or settings.LANGUAGE_CODE
    for code in (wanted, wanted.split("-")[0], settings.LANGUAGE_CODE):
        if value.get(code):
            return value[code]
    return next((text for text in value.values() if text), "")


def day_text(value) -> str:
    """A day as explanations write it (translators give the pattern, e.g. Y年n月j日)."""
    if isinstance(value, datetime.datetime):
        value = _local_day(value)
    return _day_words(_language(), value)


@functools.lru_cache(maxsize=4096)
def _day_words(language, day: datetime.date) -> str:
    # A bulk load's notices name the same few days again and again: format each once per language.
    with translation.override(language):
        pattern = translation.pgettext("day in an explanation (PHP date pattern)", "Y-m-d")
        return day.isoformat() if pattern == "Y-m-d" else dateformat.format(day, pattern)


def points_text(points: int) -> str:
    return ngettext("%(points)+d point", "%(points)+d points", abs(points)) % {"points": points}


def event_title(event: Event, policy) -> str:
    """The event type's title in the policy in force (its name when the policy no longer has it)."""
    spec = getattr(policy, "event_types", {}).get(event.event_type)
    if spec is not None:
        return _policy_text(spec, "title")
    if event.event_type == ENROLMENT_EVENT_TYPE:
        return _("Enrolment")
    return event.event_type.replace("_", " ")


@dataclass(frozen=True)
class _Parts:
    headline: str
    why: str
    reason: str = ""
    stopped: datetime.date | None = None


def _explain(entry: LedgerEntry, policy) -> Explanation:
    rule = policy.rules.get(entry.rule_id)
    title = _policy_text(rule, "title") if rule is not None else entry.rule_title
    if entry.kind == LedgerEntry.Kind.OPENING:
        title = _("Starting points on enrolment")
    basis = _policy_text(rule, "legal_basis") if rule is not None else ""
    event = entry.event
    parts = _WORDERS.get(entry.kind, _rule)(entry, policy, rule, title)
    counts_until = entry.expires_on if entry.kind in LedgerEntry.COUNTING_KINDS else None
    text = " ".join(part for part in (
        parts.headline, parts.why,
        _("Legal basis: %(basis)s.") % {"basis": basis} if basis and entry.kind == LedgerEntry.Kind.RULE else "",
        _("Reason: %(reason)s") % {"reason": parts.reason} if parts.reason else "",
        _("They stop counting on %(day)s.") % {"day": day_text(counts_until)} if counts_until else "",
    ) if part)
    return Explanation(
        kind=entry.kind, title=title, explanation=parts.why, legal_basis=basis, rule_in_force=rule is not None,
        points=entry.delta, event_title=event_title(event, policy), occurred_on=_local_day(event.occurred_at),
        counted_on=_local_day(entry.created_at), counts_until=counts_until, stopped_counting_on=parts.stopped,
        reason=parts.reason, what_you_can_do=_what_you_can_do(entry, policy), text=text,
        policy_note=_policy_note(entry, policy, rule),
    )


def _policy_note(entry: LedgerEntry, policy, rule) -> str:
    if rule is None or entry.policy_version == getattr(policy, "version", entry.policy_version):
        return ""
    return _("Worded as the policy in force words it; the entry was made under %(version)s.") % {
        "version": _version_name(entry.policy_version)}


def _version_name(version_hash: str) -> str:
    """``Version 3``: a stored version by its number, never by its hash."""
    stored = PolicyVersion.objects.filter(hash=version_hash).first()
    if stored is None:
        return _("a policy version no longer stored")
    return str(stored)  # PolicyVersion names itself by its number


def _undone_event(entry: LedgerEntry) -> Event:
    """The event whose points an undoing entry undoes: a lift (and the reinstatement before it) belongs to
    the lifting event, which names the lifted one."""
    event = entry.event
    return event.lifts if event.lifts_id else event


def _opening(entry, policy, rule, title) -> _Parts:
    headline = ngettext(
        "Enrolled in the points register on %(day)s with %(count)s starting point.",
        "Enrolled in the points register on %(day)s with %(count)s starting points.", entry.delta,
    ) % {"day": day_text(entry.created_at), "count": entry.delta}
    return _Parts(headline, _("Everyone aged 14 or over who lives here starts with the same points."))


def _rule(entry, policy, rule, title) -> _Parts:
    event = entry.event
    values = {"event": event_title(event, policy), "day": day_text(event.occurred_at),
              "agency": event.agency.display_name, "title": title, "points": points_text(entry.delta)}
    spec = getattr(policy, "event_types", {}).get(event.event_type)
    system = spec is not None and spec.system
    headline = _headline(values, system)
    why = [_policy_text(rule, "explanation") if rule is not None else
           _("This rule is no longer part of the policy in force; its title is as recorded.")]
    if event.corrects_id:
        corrected = event.corrects
        why.append(_("This report corrects the report of %(day)s (%(event)s), which was voided.") % {
            "day": day_text(corrected.occurred_at), "event": event_title(corrected, policy)})
    if event.migrated:
        why.append(_("Taken over from the earlier register."))
    reason = event.attributes.get("reason", "") if system else ""
    return _Parts(headline, " ".join(part for part in why if part), reason=str(reason))


def _headline(values: dict, system: bool) -> str:
    """What happened, when, who said so and the points; the rule's title only where the event's does not say it."""
    if system:
        return _("%(event)s on %(day)s, decided by the points office: %(points)s.") % values
    if values["title"] == values["event"]:
        return _("%(event)s on %(day)s, reported by %(agency)s: %(points)s.") % values
    return _("%(event)s on %(day)s, reported by %(agency)s: “%(title)s”, %(points)s.") % values


def _undone(entry, policy) -> dict:
    event = _undone_event(entry)
    return {"points": points_text(entry.delta), "title": entry_title(entry, policy),
            "day": day_text(event.occurred_at), "undone": points_text(-entry.delta), "on": day_text(entry.created_at)}


def entry_title(entry: LedgerEntry, policy) -> str:
    rule = policy.rules.get(entry.rule_id)
    return _policy_text(rule, "title") if rule is not None else entry.rule_title


def _reversal(entry, policy, rule, title) -> _Parts:
    headline = _("%(points)s: the %(undone)s of “%(title)s” of %(day)s were reversed.") % _undone(entry, policy)
    why = _("The report was withdrawn or found wrong, so these points no longer count.")
    return _Parts(headline, why, reason=entry.reason, stopped=_local_day(entry.created_at))


def _expiry(entry, policy, rule, title) -> _Parts:
    """Expired points stopped counting on their expiry day, however late the expiry run wrote the entry."""
    ended = entry.reverses.expires_on or _local_day(entry.created_at)
    headline = _("%(points)s: the %(undone)s of “%(title)s” of %(day)s stopped counting on %(on)s.") % {
        **_undone(entry, policy), "on": day_text(ended)}
    why = _("The policy counts these points for a limited time only, and that time is over.")
    return _Parts(headline, why, stopped=ended)


def _suspension(entry, policy, rule, title) -> _Parts:
    headline = _("%(points)s: the %(undone)s of “%(title)s” of %(day)s stopped counting on %(on)s, pending "
                 "appeal.") % _undone(entry, policy)
    why = _("The appeal against them was not answered or decided in time, so they do not count unless the appeal "
            "is rejected.")
    return _Parts(headline, why, reason=entry.reason, stopped=_local_day(entry.created_at))


def _reinstatement(entry, policy, rule, title) -> _Parts:
    headline = _("%(points)s: the %(undone)s of “%(title)s” of %(day)s, suspended pending appeal, count again "
                 "from %(on)s.") % {**_undone(entry, policy), "undone": points_text(entry.delta)}
    if entry.event.lifts_id:
        return _Parts(headline, _("They count again only to be lifted at once: the obligation was fulfilled."))
    return _Parts(headline, _("The appeal was rejected."), reason=entry.reason)


def _lift(entry, policy, rule, title) -> _Parts:
    values = _undone(entry, policy)
    headline = _("%(points)s: the %(undone)s of “%(title)s” of %(day)s are lifted: the obligation was "
                 "fulfilled.") % values
    why = _("It was unpaid from %(from)s to %(to)s; paid on %(to)s.") % {
        "from": values["day"], "to": day_text(entry.event.occurred_at)}
    return _Parts(headline, why, stopped=_local_day(entry.created_at))


def _window(event: Event, policy) -> str:
    """Until when the citizen may appeal without giving a reason for the delay (``appeals.services``)."""
    days = getattr(policy, "citizen_filing_days", 60)
    last = _local_day(event.reported_at) + datetime.timedelta(days=days)
    return _("Appeals are accepted until %(day)s; after that only with an official's written reason for the "
             "delay.") % {"day": day_text(last)}


_WORDERS = {
    LedgerEntry.Kind.OPENING: _opening,
    LedgerEntry.Kind.RULE: _rule,
    LedgerEntry.Kind.REVERSAL: _reversal,
    LedgerEntry.Kind.EXPIRY: _expiry,
    LedgerEntry.Kind.SUSPENSION: _suspension,
    LedgerEntry.Kind.REINSTATEMENT: _reinstatement,
    LedgerEntry.Kind.LIFT: _lift,
}


def _what_you_can_do(entry: LedgerEntry, policy) -> str:
    """A rule's points on a report that still stands can be appealed; anything else is explained at any office."""
    event = entry.event
    if entry.kind == LedgerEntry.Kind.RULE and event.status == Event.Status.APPLIED:
        days = getattr(policy, "appeal_deadline_days", 30)
        return ngettext(
            "How to appeal: if this record is wrong, ask any points office to file an appeal against event "
            "#%(event)s on your behalf, with your reasons. The office must decide within %(days)s day of filing "
            "and give you its written reasons; while the appeal is open, service offices are told that your "
            "record is under appeal.",
            "How to appeal: if this record is wrong, ask any points office to file an appeal against event "
            "#%(event)s on your behalf, with your reasons. The office must decide within %(days)s days of filing "
            "and give you its written reasons; while the appeal is open, service offices are told that your "
            "record is under appeal.", days) % {"event": event.pk, "days": days} + " " + _window(event, policy)
    return _("Any points office can show you your full statement and answer questions about this change.")
