"""How the admin names what the database stores as codes: event types by their titles, attributes as
labelled values, policy versions by number and publication date. Lists, filters, forms and charts use
these, so no screen shows ``blood_donation``, ``{"severity": "minor"}`` or a version hash.
"""
import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from points.services import ENROLMENT_EVENT_TYPE


def _policy():
    from rules.registry import current_policy

    return current_policy()


def humanize(code: str) -> str:
    """``media_reported`` → ``Media reported``: the last resort for a code no policy names."""
    words = str(code or "").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def event_type_title(name: str) -> str:
    """The event type's title in the policy in force (its name made readable if the policy dropped it)."""
    if name == ENROLMENT_EVENT_TYPE:
        return _("Enrolment (starting points)")
    event_type = _policy().event_types.get(name)
    return event_type.title if event_type else humanize(name)


def attribute_label(name: str) -> str:
    """What the policy calls this attribute (its ``label``), in the reader's language."""
    for event_type in _policy().event_types.values():
        spec = event_type.attributes.get(name)
        if spec is not None:
            return spec.label
    return humanize(name)


def attribute_value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    return str(value)


def attributes_text(attributes) -> str:
    """``{"severity": "minor", "media_reported": true}`` → ``Severity: minor; Media reported: yes``."""
    if not attributes:
        return "—"
    return "; ".join(f"{attribute_label(k)}: {attribute_value(v)}" for k, v in sorted(dict(attributes).items()))


def _local_date(moment) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime.datetime):
        moment = timezone.localtime(moment).date()
    return formats.date_format(moment, "DATE_FORMAT")


def policy_version_number(version) -> int:
    """The version's place among the stored versions, oldest first (1, 2, 3...)."""
    return version.number


def policy_version_status(version, *, in_force_hash: str | None = None) -> str:
    """Publication and force in one phrase, so "in force" never contradicts "published"."""
    in_force = version.hash == (in_force_hash if in_force_hash is not None else _policy().version)
    if version.published:
        when = _local_date(version.published_at or version.created_at)
        if in_force:
            return _("published %(date)s, in force") % {"date": when}
        return _("published %(date)s, superseded") % {"date": when}
    if in_force:
        return _("in force from the policy files, not published")
    return _("stored %(date)s, never published") % {"date": _local_date(version.created_at)}


def policy_version_label(version, *, in_force_hash: str | None = None) -> str:
    """``Version 3 (published 1 December 2026, in force)``."""
    return pgettext("policy version", "Version %(number)s (%(status)s)") % {
        "number": policy_version_number(version),
        "status": policy_version_status(version, in_force_hash=in_force_hash)}


def policy_label_for_hash(version_hash: str) -> str:
    """The label of the stored version with this hash; ``Version …`` with a short hash if none is stored."""
    from rules.models import PolicyVersion

    version = PolicyVersion.objects.filter(hash=version_hash).first()
    if version is None:
        return _("an unstored version")
    return policy_version_label(version)


_numbers: dict[str, int] = {}


def policy_version_short(version_hash: str) -> str:
    """``Version 3`` for a list column (a version's number never changes once stored)."""
    from rules.models import PolicyVersion

    if version_hash not in _numbers:
        version = PolicyVersion.objects.filter(hash=version_hash).first()
        if version is None:
            return _("an unstored version")
        _numbers[version_hash] = policy_version_number(version)
    return pgettext("policy version", "Version %(number)s") % {"number": _numbers[version_hash]}
