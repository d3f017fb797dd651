"""Safe YAML reading with locations: every value keeps the node it came from, for error lines.

Only ``yaml.compose`` with the SafeLoader is used, then plain scalars are constructed by
SafeConstructor. Tags other than YAML's standard scalar/sequence/mapping ones (for
example ``!!python/object``) and anchors/aliases are refused: policy is data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import yaml
from django.utils.translation import gettext
from yaml.constructor import SafeConstructor

from rules.errors import Problem
from rules.texts import Text, policy_languages

_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    type(None): "empty",
    dt.date: "a date",
    dt.datetime: "a date and time",
    list: "a list",
    dict: "a mapping",
}


def type_name(value: object) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class FileReader:
    """Reads one policy file and records problems located in it."""

    def __init__(self, file: str, problems: list[Problem], require_translations: bool = True):
        self.file = file
        self.problems = problems
        # Off only for stored versions (checked when published, kept loadable to explain their entries).
        self.require_translations = require_translations
        self.languages = policy_languages()
        self._constructor = SafeConstructor()

    def report(self, where, message: str, rule_id: str | None = None, severity: str = "error") -> None:
        """Record a problem at a node, a YAML mark, a (line, col) pair or the file start (None)."""
        line, col = _position(where)
        self.problems.append(Problem(self.file, line, col, severity, message, rule_id))

    def compose(self, text: str) -> yaml.Node | None:
        """The document's node tree, or None after reporting why it cannot be read."""
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            self.report(mark, gettext("YAML syntax error: %(context)s") % {"context": exc.problem or exc.context})
            return None
        except yaml.YAMLError as exc:
            self.report(None, gettext("YAML error: %(exc)s") % {"exc": exc})
            return None
        if root is None:
            self.report(None, gettext("the file is empty"))
            return None
        return root if self._is_plain(root) else None

    def _is_plain(self, root: yaml.Node) -> bool:
        seen: set[int] = set()
        ok = True
        for node in _walk(root):
            if id(node) in seen:
                self.report(node, gettext("anchors and aliases are not allowed in policy files"))
                return False
            seen.add(id(node))
            if node.tag not in _STANDARD_TAGS:
                self.report(
                    node, gettext("tag %(tag)r is not allowed: policy files hold plain data only") % {"tag": node.tag}
                )
                ok = False
        return ok

    def value(self, node: yaml.Node, rule_id: str | None = None) -> object:
        """The plain Python value of a node (reporting an invalid date as a problem)."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError) as exc:
            self.report(
                node,
                gettext("invalid value %(value)r: %(exc)s") % {"value": getattr(node, "value", ""), "exc": exc},
                rule_id,
            )
            return _INVALID

    def mapping(self, node: yaml.Node | None, what: str, rule_id: str | None = None) -> Fields | None:
        """The entries of a mapping node, or None after reporting that it is not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.report(node, gettext("%(what)s must be a mapping of keys to values") % {"what": what}, rule_id)
            return None
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                self.report(key_node, gettext("keys in %(what)s must be plain names") % {"what": what}, rule_id)
            elif key in entries:
                self.report(
                    key_node, gettext("duplicate key '%(key)s' in %(what)s") % {"key": key, "what": what}, rule_id
                )
            else:
                entries[key] = (key_node, value_node)
        return Fields(self, node, entries, what, rule_id)


class _Invalid:
    """Marker for a value already reported as invalid."""


_INVALID = _Invalid()


def _position(where) -> tuple[int, int]:
    if where is None:
        return 1, 1
    if isinstance(where, tuple):
        return where
    mark = getattr(where, "start_mark", where)
    return mark.line + 1, mark.column + 1


def _walk(node: yaml.Node) -> Iterator[yaml.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                stack.extend((value, key))


class Fields:
    """The entries of one YAML mapping, with typed getters that report problems where they are."""

    def __init__(self, reader: FileReader, node, entries: dict, what: str, rule_id: str | None):
        self.reader = reader
        self.node = node
        self.entries = entries
        self.what = what
        self.rule_id = rule_id

    def expect(self, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
        """Report unknown and missing keys."""
        allowed = required + optional
        for key, (key_node, _) in self.entries.items():
            if key not in allowed:
                hint = ", ".join(allowed)
                self.error(
                    key_node,
                    gettext("unknown key '%(key)s' in %(what)s (allowed: %(hint)s)")
                    % {"key": key, "what": self.what, "hint": hint},
                )
        for key in required:
            if key not in self.entries:
                self.error(self.node, gettext("missing key '%(key)s' in %(what)s") % {"key": key, "what": self.what})

    def error(self, where, message: str) -> None:
        self.reader.report(where, message, self.rule_id)

    def has(self, key: str) -> bool:
        return key in self.entries

    def value_node(self, key: str):
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def get(self, key: str, kinds: tuple[type, ...], expected: str, default=None):
        """The value of ``key`` if it is one of ``kinds`` (bool is never an int), else report it."""
        node = self.value_node(key)
        if node is None:
            return default
        value = self.reader.value(node, self.rule_id)
        if value is _INVALID:
            return default
        if type(value) not in kinds:
            self.error(
                node,
                gettext("'%(key)s' in %(what)s must be %(expected)s, not %(kind)s")
                % {"key": key, "what": self.what, "expected": expected, "kind": type_name(value)},
            )
            return default
        return value

    def text(self, key: str, default: str | None = None) -> str | None:
        return self.get(key, (str,), "a string", default)

    def translated(self, key: str) -> Text:
        """A text people read, given per language: ``{zh-hans: …, en: …}``, every language present.

        A plain string is one text for every language: an error (a missing translation) unless the
        reader does not require translations.
        """
        node = self.value_node(key)
        if node is None:
            return Text()
        if not isinstance(node, yaml.MappingNode):
            return self._untranslated(key, node)
        texts = self.reader.mapping(node, f"'{key}' in {self.what}", self.rule_id)
        if texts is None:
            return Text()
        found = []
        for code, (key_node, value_node) in texts.entries.items():
            if code not in self.reader.languages:
                self.error(
                    key_node,
                    gettext("unknown language '%(code)s' in '%(key)s' of %(what)s (languages: %(languages)s)")
                    % {"code": code, "key": key, "what": self.what, "languages": ", ".join(self.reader.languages)},
                )
                continue
            value = self.reader.value(value_node, self.rule_id)
            if type(value) is not str or not value.strip():
                self.error(
                    value_node,
                    gettext("the %(code)s text of '%(key)s' in %(what)s must be a non-empty string")
                    % {"code": code, "key": key, "what": self.what},
                )
            else:
                found.append((code, value))
        for code in self.reader.languages:
            if code not in texts.entries:
                self.error(
                    node,
                    gettext("missing %(code)s translation of '%(key)s' in %(what)s")
                    % {"code": code, "key": key, "what": self.what},
                )
        return Text(tuple(found))

    def _untranslated(self, key: str, node) -> Text:
        value = self.reader.value(node, self.rule_id)
        if type(value) is not str:
            self.error(
                node,
                gettext("'%(key)s' in %(what)s must be a text per language, not %(kind)s")
                % {"key": key, "what": self.what, "kind": type_name(value)},
            )
            return Text()
        if self.reader.require_translations:
            example = ", ".join(f"{code}: …" for code in self.reader.languages)
            self.error(
                node,
                gettext("missing translation: '%(key)s' in %(what)s must be given in every language, {%(example)s}")
                % {"key": key, "what": self.what, "example": example},
            )
        return Text.of(value)

    def integer(self, key: str, default: int | None = None) -> int | None:
        return self.get(key, (int,), "an integer", default)

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        return self.get(key, (bool,), "true or false", default)

    def optional_integer(self, key: str) -> int | None:
        """An integer or an explicit null (for open ends)."""
        return self.get(key, (int, type(None)), "an integer or null")

    def date(self, key: str) -> dt.date | None:
        """A date, written unquoted (YAML date) or quoted as 'YYYY-MM-DD'; null means none."""
        value = self.get(key, (dt.date, str, type(None)), "a date written YYYY-MM-DD")
        if not isinstance(value, str):
            return value
        try:
            if _ISO_DATE.match(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.error(
            self.value_node(key),
            gettext("'%(key)s' in %(what)s must be a date written YYYY-MM-DD") % {"key": key, "what": self.what},
        )
        return None

    def string_list(self, key: str) -> list[tuple[str, yaml.Node]] | None:
        """A list of strings, each with its node; None (reported) if it is not one."""
        node = self.value_node(key)
        if node is None:
            return None
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, gettext("'%(key)s' in %(what)s must be a list") % {"key": key, "what": self.what})
            return None
        items = []
        for item in node.value:
            value = self.reader.value(item, self.rule_id)
            if type(value) is not str:
                self.error(
                    item,
                    gettext("items of '%(key)s' in %(what)s must be strings, not %(kind)s")
                    % {"key": key, "what": self.what, "kind": type_name(value)},
                )
            else:
                items.append((value, item))
        return items
