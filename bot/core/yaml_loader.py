"""A lean YAML loader for bank files: libyaml's C parser with a resolver and constructor cut to plain data.

PyYAML's C loader parses in C but resolves and constructs every node in generic Python code, which is
most of the time a bank takes to load. Bank files are plain mappings, lists and strings, so this loader
resolves a plain scalar with the full (regex) resolver only when its first character could start a
non-string (a bool, null, number, timestamp or merge key), and builds mappings, lists and strings
directly. Anything else (tags, merge keys, numbers) goes through PyYAML's safe constructor unchanged, so
what it returns is exactly what `yaml.load(text, Loader=yaml.CSafeLoader)` returns.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's C parser is about ten times faster; fall back where PyYAML was built without it.
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
# Plain scalars YAML 1.1 may read as something other than a string: PyYAML's bool and null words, and
# whatever starts like a number, a timestamp, a merge key ('<<') or a value key ('=').
_WORDS = frozenset(
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
        "~",
    ]
) | {""}
_NUMERIC_START = frozenset("-+.0123456789<=")


class BankLoader(_Base):  # type: ignore[misc]
    """Safe loading of plain data, faster than the stock safe loader and with the same result."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0] and (value in _WORDS or value[0] in _NUMERIC_START):
                return str(super().resolve(kind, value, implicit))
            return _STR
        return _MAP if kind is MappingNode else _SEQ

    def construct_document(self, node: Node) -> Any:
        data = self._plain(node, {})
        self.constructed_objects: dict[Node, Any] = {}
        self.recursive_objects: dict[Node, Any] = {}
        return data

    def _plain(self, node: Node, memo: dict[int, Any]) -> Any:
        """Build a node; aliases (the same node twice) give the same object, as in PyYAML."""
        cls, tag = node.__class__, node.tag
        if cls is ScalarNode and tag == _STR:
            return node.value
        key = id(node)
        if key in memo:
            return memo[key]
        if cls is SequenceNode and tag == _SEQ:
            items: list[Any] = []
            memo[key] = items
            for child in node.value:  # string leaves inline: most nodes are, and calls cost
                if child.__class__ is ScalarNode and child.tag == _STR:
                    items.append(child.value)
                else:
                    items.append(self._plain(child, memo))
            return items
        if cls is MappingNode and tag == _MAP and not any(k.tag == _MERGE for k, _ in node.value):
            mapping: dict[Any, Any] = {}
            memo[key] = mapping
            for key_node, value_node in node.value:
                if key_node.__class__ is ScalarNode and key_node.tag == _STR:
                    name = key_node.value
                else:
                    name = self._plain(key_node, memo)
                    try:
                        hash(name)
                    except TypeError:
                        raise ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            "found unhashable key",
                            key_node.start_mark,
                        ) from None
                if value_node.__class__ is ScalarNode and value_node.tag == _STR:
                    mapping[name] = value_node.value
                else:
                    mapping[name] = self._plain(value_node, memo)
            return mapping
        value = self.construct_object(node, deep=True)
        memo[key] = value
        return value
