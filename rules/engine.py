"""The adapter to durable-rules: the only module that imports ``durable``.

One ruleset per event type per engine (durable allows at most 64 matches per event and
slows down with many rules in one ruleset). Every call asserts one fact under a fresh
session id and deletes that session afterwards, so nothing leaks between citizens and
the 1,024-live-sessions limit is never reached. Every matching rule fires (the
"collect" hit policy); an ``$or`` can fire a rule once per true branch, so matches are
deduplicated. The C core has no locks: all engine calls hold one process-level lock.

Every ruleset also holds a catch-all rule with an empty action. durable's C core never
initialises a session's action context, and frees it in ``delete_state``: deleting a
session in which no action ran frees garbage pointers (segfault or silent heap damage).
The catch-all makes an action run in every session, so deleting it is always safe.

Facts are serialised here rather than by durable's ``json.dumps``: durable's parser
cannot read floats with an exponent (``1e-05``), and the values are type-checked on the
way (durable would coerce ``"100" < 50`` to true).
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import threading
import weakref
from decimal import Decimal
from typing import TYPE_CHECKING

import durable_rules_engine
from durable import engine as durable_engine

from rules.compiler import compile_rule
from rules.errors import AttributeValidationError, CitizenFactsError, RulesEngineError, UnknownEventTypeError
from rules.schema import CITIZEN_FIELDS, INT_MAX, INT_MIN
from rules.values import epoch_days

if TYPE_CHECKING:
    from rules.policy import Policy, Rule

ENGINE_LOCK = threading.RLock()
_SIDS = itertools.count(1)
_SERIALS = itertools.count(1)
_HITS: list[int] = []  # rule indices recorded by actions during the current call (under ENGINE_LOCK)
_NOT_HANDLED = 1


class _TimerlessHost(durable_engine.Host):
    """A Host without its two dispatch timer threads: we run actions synchronously."""

    def _run(self) -> None:
        pass


_HOST: _TimerlessHost | None = None


def _host() -> _TimerlessHost:
    global _HOST
    if _HOST is None:
        _HOST = _TimerlessHost()
    return _HOST


def _recorder(index: int):
    """An action for rule ``index``: durable requires exactly one parameter."""

    def run(c) -> None:
        _HITS.append(index)

    return run


def _session_guard(c) -> None:
    """Action of the catch-all rule: it only makes durable complete one action per session."""


def _drop_rulesets(names: list[str]) -> None:
    """Free rulesets in the C core and forget them in the host (used by close and GC)."""
    with ENGINE_LOCK:
        host = _host()
        for name in names:
            ruleset = host._ruleset_directory.pop(name, None)
            if ruleset is not None:
                host._ruleset_list.remove(ruleset)
                durable_rules_engine.delete_ruleset(ruleset._handle)
        names.clear()


class DurableEngine:
    """Decides which rules of a policy apply to one event, using durable-rules."""

    def __init__(self, policy: Policy):
        self.version = policy.version
        self._event_types = frozenset(policy.event_types)
        self._compiled: dict[str, _CompiledEventType] = {}
        self._names: list[str] = []
        serial = next(_SERIALS)
        with ENGINE_LOCK:
            self._finalizer = weakref.finalize(self, _drop_rulesets, self._names)
            self._finalizer.atexit = False
            for event_type, spec in policy.event_types.items():
                rules = tuple(policy.rules_for(event_type))
                if rules:
                    name = f"points_{self.version[:12]}_{serial}_{event_type}"
                    ruleset = _register(name, event_type, rules)
                    self._names.append(name)
                    writer = _FactWriter(event_type, spec)
                    self._compiled[event_type] = _CompiledEventType(ruleset, rules, writer)

    def match(
        self, event_type: str, attributes: dict, citizen_facts: dict | None, occurred_on: dt.date
    ) -> list[Rule]:
        """Every rule in force on ``occurred_on`` whose condition holds, in policy order."""
        compiled = self._compiled.get(event_type)
        if compiled is None:
            if event_type not in self._event_types:
                raise UnknownEventTypeError(event_type)
            return []
        sid = str(next(_SIDS))
        text = compiled.write(sid, attributes, citizen_facts or {}, occurred_on)
        with ENGINE_LOCK:
            if not self._finalizer.alive:
                raise RulesEngineError("this engine was closed")
            hits = _evaluate(compiled.ruleset, text, sid)
        return [compiled.rules[i] for i in sorted(set(hits))]

    def close(self) -> None:
        """Free this engine's rulesets (when a new policy version replaces it)."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


class _CompiledEventType:
    __slots__ = ("ruleset", "rules", "write")

    def __init__(self, ruleset, rules: tuple, writer: _FactWriter):
        self.ruleset = ruleset
        self.rules = rules
        self.write = writer


def _register(name: str, event_type: str, rules: tuple):
    definition = {
        f"r{index}": {
            "all": [{"m": compile_rule(event_type, rule.condition, rule.effective_from, rule.effective_to)}],
            "run": _recorder(index),
        }
        for index, rule in enumerate(rules)
    }
    definition["guard"] = {"all": [{"m": {"event_type": event_type}}], "run": _session_guard}
    host = _host()
    try:
        host.register_rulesets({name: definition})
    except durable_rules_engine.error as exc:  # the loader's checks should make this unreachable
        raise RulesEngineError(f"durable-rules refused the rules for {event_type!r}: {exc}") from exc
    return host.get_ruleset(name)


def _evaluate(ruleset, text: str, sid: str) -> list[int]:
    """Assert one fact in a fresh session, run the actions, delete the session."""
    _HITS.clear()
    outcome: list = [None, None]

    def complete(error, state) -> None:
        outcome[0], outcome[1] = error, state

    try:
        result = durable_rules_engine.assert_fact(ruleset._handle, text)
    except durable_rules_engine.error as exc:
        raise RulesEngineError(f"durable-rules failed on an event: {exc}") from exc
    if result[0] == _NOT_HANDLED:
        # Unreachable with the catch-all rule; deleting this session would be unsafe (see above).
        raise RulesEngineError("durable-rules did not handle the event (catch-all rule missing?)")
    try:
        ruleset.do_actions(result[1], complete)
    finally:
        durable_rules_engine.delete_state(ruleset._handle, sid)
    error, state = outcome
    if error is not None:
        raise RulesEngineError(f"durable-rules failed while running actions: {error}")
    if state and "exception" in state:
        raise RulesEngineError(f"a rule action raised: {state['exception']}")
    return list(_HITS)


# --- fact serialisation -------------------------------------------------------------------

def _float_text(value: float) -> str:
    text = repr(value)
    if "e" in text:  # durable's JSON parser reads "1e-05" as 1 followed by garbage
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


def _int(value) -> str | None:
    if type(value) is int and INT_MIN <= value <= INT_MAX:
        return str(value)
    return None


def _float(value) -> str | None:
    if type(value) in (int, float) and math.isfinite(value):
        return _float_text(float(value))
    return None


def _str(value) -> str | None:
    return json.encoder.encode_basestring(value) if type(value) is str else None


def _bool(value) -> str | None:
    if type(value) is bool:
        return "true" if value else "false"
    return None


def _date(value) -> str | None:
    return str(epoch_days(value)) if type(value) is dt.date else None


_ENCODERS = {"int": _int, "float": _float, "str": _str, "bool": _bool, "date": _date}
_CITIZEN_ENCODERS = {name: _ENCODERS[ftype.type] for name, ftype in CITIZEN_FIELDS.items()}


def _members(values: dict, encoders: dict, error) -> str:
    parts = []
    for name, value in values.items():
        if value is None:
            continue  # None means absent: it matches no comparison
        encoder = encoders.get(name)
        if encoder is None:
            raise error({name: "unknown field"})
        text = encoder(value)
        if text is None:
            raise error({name: f"wrong type {type(value).__name__}"})
        parts.append(f'"{name}":{text}')
    return ",".join(parts)


def _citizen_error(field_errors: dict) -> CitizenFactsError:
    return CitizenFactsError("; ".join(f"citizen.{k}: {v}" for k, v in field_errors.items()))


class _FactWriter:
    """Builds the JSON fact for one event of one type, checking every value's type."""

    def __init__(self, event_type: str, spec):
        self._prefix = '{"id":1,"event_type":' + json.dumps(event_type) + ',"sid":"'
        self._encoders = {name: _ENCODERS[a.type] for name, a in spec.attributes.items()}

    def __call__(self, sid: str, attributes: dict, citizen: dict, occurred_on: dt.date) -> str:
        if type(occurred_on) is not dt.date:
            raise TypeError(f"occurred_on must be a datetime.date, not {type(occurred_on).__name__}")
        event = _members(attributes, self._encoders, AttributeValidationError)
        person = _members(citizen, _CITIZEN_ENCODERS, _citizen_error)
        day = epoch_days(occurred_on)
        return f'{self._prefix}{sid}","occurred_day":{day},"event":{{{event}}},"citizen":{{{person}}}}}'
