"""Hypothesis strategies: random well-typed conditions and events over a small probe schema."""
import datetime as dt

from hypothesis import strategies as st

from rules.ast import And, Compare, Field, InList, Literal, Not, Or, Presence

PROBE_EVENTS_YAML = """
agencies:
  police: Police
event_types:
  probe:
    title: Probe
    description: An event type with one attribute of each type.
    reported_by: [police]
    attributes:
      n: {type: int}
      x: {type: float}
      s: {type: str}
      flag: {type: bool}
      d: {type: date}
"""

FIELD_TYPES = {
    "event.n": "int",
    "event.x": "float",
    "event.s": "str",
    "event.flag": "bool",
    "event.d": "date",
    "citizen.age": "int",
    "citizen.district": "str",
    "citizen.score": "int",
}
DAYS = [dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(2025, 1, 1)]
STRINGS = ["a", "b", "", "it's", 'say "hi"', "back\\slash", "Chuānshān", "a b"]

VALUES = {
    "int": st.integers(-3, 3),
    "float": st.sampled_from([-1.5, 0.0, 0.5, 2.0, 2.5, 3.0, 1e-05]),
    "str": st.sampled_from(STRINGS),
    "bool": st.booleans(),
    "date": st.sampled_from(DAYS),
}
KINDS = {"int": "int", "float": "float", "str": "str", "bool": "bool", "date": "date"}


def literal_for(ftype):
    if ftype in ("int", "float"):
        ints = st.integers(-3, 3).map(lambda v: Literal(v, "int"))
        floats = st.sampled_from([-1.5, 0.5, 2.0, 2.5]).map(lambda v: Literal(v, "float"))
        return ints | floats
    return VALUES[ftype].map(lambda v: Literal(v, KINDS[ftype]))


@st.composite
def tests(draw):
    path = draw(st.sampled_from(sorted(FIELD_TYPES)))
    ftype = FIELD_TYPES[path]
    field = Field(path)
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return Presence(field, draw(st.booleans()))
    if choice == 1:
        values = draw(st.lists(literal_for(ftype), min_size=1, max_size=3))
        kinds = {v.kind for v in values}
        if len(kinds) > 1:  # keep lists single-typed, as the checker requires
            values = [v for v in values if v.kind == values[0].kind]
        return InList(field, tuple(values), draw(st.booleans()))
    if choice == 2:
        return Compare(field, draw(st.sampled_from(["==", "!="])), Literal(None, "null"))
    ops = ["==", "!="] + (["<", "<=", ">", ">="] if ftype in ("int", "float", "date") else [])
    return Compare(field, draw(st.sampled_from(ops)), draw(literal_for(ftype)))


def conditions(max_leaves=6):
    return st.recursive(
        tests(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda items: And(tuple(items))),
            st.lists(inner, min_size=2, max_size=3).map(lambda items: Or(tuple(items))),
            inner.map(Not),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def events(draw):
    """A dict of field path -> value; missing fields are absent."""
    values = {}
    for path, ftype in FIELD_TYPES.items():
        if draw(st.integers(0, 3)) > 0:
            values[path] = draw(VALUES[ftype])
    return values


def split(values):
    """(event attributes, citizen facts) from a field-path dict."""
    attributes = {p.split(".", 1)[1]: v for p, v in values.items() if p.startswith("event.")}
    citizen = {p.split(".", 1)[1]: v for p, v in values.items() if p.startswith("citizen.")}
    return attributes, citizen
