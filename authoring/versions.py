"""Naming policy versions on the command line and listing the stored ones."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.db.models import F

from core.exceptions import NotFound, ValidationFailed
from rules import registry
from rules.loader import load_policy, policy_from_files
from rules.models import PolicyVersion
from rules.policy import Policy
from rules.published import newest_published_hash

_HASH_PREFIX = re.compile(r"^[0-9a-f]{4,64}$")
LIVE = ("live", "current")


@dataclass(frozen=True)
class NamedPolicy:
    label: str
    policy: Policy


def policy_named(reference: str) -> NamedPolicy:
    """A policy from a directory, a stored version's hash prefix, or 'live' (the one in force)."""
    if reference in LIVE:
        policy = registry.current_policy()
        return NamedPolicy(f"{policy.version[:12]} (in force)", policy)
    path = Path(reference)
    if path.is_dir():
        return NamedPolicy(f"{reference} ({(policy := load_policy(path)).version[:12]})", policy)
    if not _HASH_PREFIX.match(reference):
        raise ValidationFailed(f"'{reference}' is neither a directory, a version hash prefix (4+ hex digits) "
                               "nor 'live'.")
    matches = list(PolicyVersion.objects.filter(hash__startswith=reference).order_by("hash")
                   .values_list("hash", "files")[:5])
    if not matches:
        raise NotFound(f"No stored policy version starts with '{reference}' (see 'manage.py rules versions').")
    if len(matches) > 1:
        hashes = ", ".join(h[:16] for h, _ in matches)
        raise ValidationFailed(f"'{reference}' matches several versions ({hashes}): give more digits.")
    version, files = matches[0]
    return NamedPolicy(version[:12], policy_from_files(files))


def versions_table() -> list[str]:
    """One line per stored version, newest first, marking the one in force."""
    in_force = newest_published_hash() or registry.current_policy().version
    lines = [f"{'':2}{'version':<14}{'created':<18}{'published':<18}{'author':<16}message"]
    newest_first = (F("published_at").desc(nulls_last=True), "-created_at", "-id")
    for version in PolicyVersion.objects.order_by(*newest_first):
        mark = "* " if version.hash == in_force else "  "
        published = f"{version.published_at:%Y-%m-%d %H:%M}" if version.published_at else "-"
        if version.retroactive:
            published += " R"
        message = (version.message.splitlines() or [""])[0] or f"(loaded from {version.source or 'files'})"
        lines.append(f"{mark}{version.hash[:12]:<14}{version.created_at:%Y-%m-%d %H:%M}  {published:<18}"
                     f"{version.author[:15]:<16}{message}")
    lines.append("* in force · R re-scored past events when published")
    return lines
