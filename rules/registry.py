"""The policy in force in this process: loaded once, swapped only for a policy that loaded cleanly.

``current_policy()`` is cheap after the first call. A ``resolver`` hook (see
``set_resolver``) is consulted on each call so that a later feature can make "the newest
published version in the database wins" without changing callers.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from rules.loader import load_policy, policy_from_files
from rules.policy import Policy

__all__ = ["current_policy", "reload_policy", "install_policy", "set_resolver", "policy_from_files", "reset"]

Resolver = Callable[[Policy], "Policy | None"]

_lock = threading.Lock()
_current: Policy | None = None
_resolver: Resolver | None = None


def _policy_dir() -> Path:
    return Path(settings.POLICY_DIR)


def current_policy() -> Policy:
    """The policy in force; loads ``settings.POLICY_DIR`` on first use (raising PolicyError if bad)."""
    policy = _current
    if policy is None:
        with _lock:
            if _current is None:
                _swap(load_policy(_policy_dir()))
            policy = _current
    if _resolver is not None:
        newer = _resolver(policy)
        if newer is not None and newer is not policy:
            install_policy(newer)
            return newer
    return policy


def reload_policy(directory: Path | str | None = None) -> Policy:
    """Load a policy and put it in force; on PolicyError the old one stays in force."""
    policy = load_policy(directory if directory is not None else _policy_dir())
    install_policy(policy)
    return policy


def install_policy(policy: Policy) -> None:
    """Put an already loaded policy in force and free the old one's engine."""
    with _lock:
        old = _swap(policy)
    if old is not None and old is not policy:
        old.close()


def set_resolver(resolver: Resolver | None) -> None:
    """Hook called with the current policy on every ``current_policy()``; returning a Policy swaps it in.

    It must be cheap (e.g. compare a cached published hash) and must not raise for normal requests.
    """
    global _resolver
    _resolver = resolver


def reset() -> None:
    """Forget the current policy and resolver (tests)."""
    global _resolver
    with _lock:
        old = _swap(None)
    _resolver = None
    if old is not None:
        old.close()


def _swap(policy: Policy | None) -> Policy | None:
    global _current
    old, _current = _current, policy
    return old
