"""Parser for the condition language used in ``when:`` (pyparsing, never eval).

Grammar, loosest binding first::

    condition  := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" condition ")" | test
    test       := field "is" ("present" | "absent")
                | field "not" "in" list | field "in" list
                | field ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
                | field                      (a bare bool field: field == true)
    field      := ("event" | "citizen") "." name   (other prefixes are rejected by the checker)
    literal    := date | float | int | string | "true" | "false" | "null"
"""
from __future__ import annotations

import datetime as dt
import functools

import pyparsing as pp

from rules.ast import And, Compare, Field, InList, Literal, Node, Not, Or, Presence

pp.ParserElement.enable_packrat()

class ConditionSyntaxError(ValueError):
    """A condition could not be parsed; ``col`` is the 1-based column of the offending text.

    Columns count characters from the start of the condition (a newline counts as one),
    so a multi-line condition still has one column per character.
    """

    def __init__(self, message: str, col: int):
        self.col = col
        super().__init__(message)


def _kw(word: str) -> pp.Keyword:
    return pp.Keyword(word, ident_chars=pp.identbodychars)


def _date_literal(s: str, loc: int, toks: pp.ParseResults) -> Literal:
    try:
        return Literal(dt.date.fromisoformat(toks[0]), "date", loc + 1)
    except ValueError:
        raise pp.ParseFatalException(s, loc, f"invalid date {toks[0]!r}") from None


def _literal(kind: str, convert):
    def action(s: str, loc: int, toks: pp.ParseResults) -> Literal:
        return Literal(convert(toks[0]), kind, loc + 1)

    return action


def _literal_grammar() -> pp.ParserElement:
    # The look-aheads stop "1e5", "1.", "2024-01-01x" from parsing as a shorter literal.
    date = pp.Regex(r"\d{4}-\d{2}-\d{2}(?![\w.-])").set_parse_action(_date_literal)
    flt = pp.Regex(r"-?\d+\.\d+(?![\w.])").set_parse_action(_literal("float", float))
    integer = pp.Regex(r"-?\d+(?![\w.])").set_parse_action(_literal("int", int))
    single = pp.QuotedString("'", esc_char="\\").set_parse_action(_literal("str", str))
    double = pp.QuotedString('"', esc_char="\\").set_parse_action(_literal("str", str))
    string = single | double
    true = _kw("true").set_parse_action(_literal("bool", lambda _: True))
    false = _kw("false").set_parse_action(_literal("bool", lambda _: False))
    null = _kw("null").set_parse_action(_literal("null", lambda _: None))
    return (date | flt | integer | string | true | false | null).set_name("a value")


def _field_action(s: str, loc: int, toks: pp.ParseResults) -> Field:
    return Field(toks[0], loc + 1)


def _tests(field: pp.ParserElement, literal: pp.ParserElement) -> pp.ParserElement:
    # Each test takes its column from its field: a combined element's own location can
    # point at the whitespace before it.
    lbr, rbr = pp.Suppress("["), pp.Suppress("]")
    value_list = pp.Group(lbr - pp.Optional(pp.DelimitedList(literal)) + rbr).set_name("a list [...]")
    presence = field + _kw("is").suppress() - (_kw("present") | _kw("absent")).set_name("present or absent")
    presence.set_parse_action(lambda t: Presence(t[0], t[1] == "present", t[0].col))
    not_in = field + _kw("not").suppress() + _kw("in").suppress() - value_list
    not_in.set_parse_action(lambda t: InList(t[0], tuple(t[1]), True, t[0].col))
    in_list = field + _kw("in").suppress() - value_list
    in_list.set_parse_action(lambda t: InList(t[0], tuple(t[1]), False, t[0].col))
    op = pp.one_of("== != <= >= < >").set_name("a comparison operator")
    compare = field + op - literal
    compare.set_parse_action(lambda t: Compare(t[0], t[1], t[2], False, t[0].col))
    bare = field.copy().add_parse_action(
        lambda t: Compare(t[0], "==", Literal(True, "bool", t[0].col), True, t[0].col)
    )
    return presence | not_in | in_list | compare | bare


def _fold(cls):
    def action(toks: pp.ParseResults):
        items = toks[0][0::2]
        return cls(tuple(items))

    return action


@functools.cache
def _grammar() -> pp.ParserElement:
    name = pp.Regex(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+").set_name("a field")
    field = name.copy().set_parse_action(_field_action)
    test = _tests(field, _literal_grammar()).set_name("a test such as event.x == 1")
    expr = pp.infix_notation(
        test,
        [
            (_kw("not"), 1, pp.OpAssoc.RIGHT, lambda t: Not(t[0][1])),
            (_kw("and"), 2, pp.OpAssoc.LEFT, _fold(And)),
            (_kw("or"), 2, pp.OpAssoc.LEFT, _fold(Or)),
        ],
    )
    return expr.set_name("a condition")


def _found(text: str, loc: int) -> str:
    rest = text[loc:].split()
    return repr(rest[0]) if rest else "the end of the condition"


def _explain(text: str, exc: pp.ParseBaseException) -> tuple[str, int]:
    """Turn pyparsing's message into one a policy author can act on, with the 0-based location."""
    loc, msg = exc.loc, exc.msg
    if msg.startswith("invalid"):
        return msg, loc
    if "immediately followed by keyword character" in msg:
        while loc > 0 and (text[loc - 1].isalnum() or text[loc - 1] == "_"):
            loc -= 1
        msg = "Expected a value"
    elif "Unbalanced parentheses" in msg:
        msg = "Expected ')'"
    elif msg == "Expected end of text" and text[loc:].startswith(")"):
        return "')' without a matching '('", loc
    elif msg == "Expected end of text":
        msg = "Expected 'and', 'or', ')' or the end of the condition"
    elif not msg.startswith("Expected"):
        msg = f"Expected {msg}"
    return f"{msg}, found {_found(text, loc)}", loc


def parse_condition(text: str) -> Node:
    """Parse condition text into a tree; raises ConditionSyntaxError naming text and column."""
    if not text.strip():
        raise ConditionSyntaxError("empty condition", 1)
    try:
        return _grammar().parse_string(text, parse_all=True)[0]
    except pp.ParseBaseException as exc:
        message, loc = _explain(text, exc)
        col = loc + 1
        raise ConditionSyntaxError(f"cannot parse condition at column {col}: {message}", col) from None
