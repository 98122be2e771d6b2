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
from yaml.composer import ComposerError
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


class Refused(Exception):
    """A bank file that is YAML but not plain data we accept; says where and why."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


def dotted(loc: tuple[int | str, ...]) -> str:
    """A location as people read it: questions[3].options[1].why."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


_NO_KEY = object()


class _Frame:
    __slots__ = ("container", "drop", "key", "seen", "start")

    def __init__(self, container: Any, start: Any) -> None:
        self.container, self.start = container, start
        self.key: Any = _NO_KEY
        self.drop = False  # the pending key was written twice: its value is not kept
        self.seen: dict[Any, Any] = {}  # key -> the event that wrote it first


def load_events(text: str, max_depth: int, duplicates: list[Refused] | None = None) -> Any:
    """The single document of `text` as plain data, built straight from libyaml's events.

    No node tree is composed (libyaml's composer recurses, and a deep enough file crashes it), and the same
    pass refuses what bank files must not have: aliases (a few lines could stand for billions of values),
    merge keys and collection tags, a second document, nesting deeper than `max_depth`, a key written
    twice in one mapping (YAML would keep the last silently) and unreadable scalars. Given a `duplicates`
    list, a key written twice is added to it instead (the first value kept) and loading goes on, so that
    the rest of the file can still be checked.
    """
    loader = BankLoader(text)
    try:
        return _build(loader, max_depth, duplicates)
    finally:
        loader.dispose()


def _build(loader: Any, max_depth: int, duplicates: list[Refused] | None) -> Any:
    stack: list[_Frame] = []
    result: Any = None
    documents = 0
    scalar_event, stream_end, get_event = yaml.ScalarEvent, yaml.StreamEndEvent, loader.get_event
    while True:
        event = get_event()
        kind = event.__class__
        if kind is stream_end:
            break
        if kind is scalar_event:
            tag = event.tag
            value: Any = event.value
            if tag is None:  # most scalars: plain text or quoted, resolved here without a call
                plain = event.implicit[0]
                if not plain or (value not in _WORDS and value[0] not in _NUMERIC_START):
                    tag = _STR
                else:
                    tag = loader.resolve(ScalarNode, value, event.implicit)
            elif tag == "!":
                tag = loader.resolve(ScalarNode, value, event.implicit)
            if tag == _MERGE:
                raise Refused(
                    _line(event), "merge keys (<<) are not allowed in bank files; write the keys out"
                )
            if tag != _STR:
                node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
                try:
                    value = loader.construct_object(node, deep=True)
                except (ValueError, OverflowError) as exc:
                    raise Refused(_line(event), f"cannot read {event.value[:40]!r}: {exc}") from None
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            mapping = kind is yaml.MappingStartEvent
            if event.tag not in (None, "!", _MAP if mapping else _SEQ):  # !!set, !!omap, !!python/...
                raise ConstructorError(
                    None,
                    None,
                    f"could not determine a constructor for the tag {event.tag!r}",
                    event.start_mark,
                )
            if len(stack) >= max_depth:
                raise Refused(_line(event), f"nested more than {max_depth} levels deep")
            stack.append(_Frame({} if mapping else [], event.start_mark))
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop().container
        elif kind is yaml.AliasEvent:
            raise Refused(
                _line(event),
                f"YAML aliases (*{event.anchor}) are not allowed in bank files; write the value out",
            )
        else:
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:  # as PyYAML's composer says it
                    raise ComposerError(
                        "expected a single document in the stream",
                        None,
                        "but found another document",
                        event.start_mark,
                    )
            continue
        if not stack:
            result = value
            continue
        frame = stack[-1]
        if type(frame.container) is list:
            frame.container.append(value)
        elif frame.key is _NO_KEY:
            try:
                first = frame.seen.get(value)
            except TypeError:
                raise ConstructorError(
                    "while constructing a mapping", frame.start, "found unhashable key", event.start_mark
                ) from None
            if first is not None:
                where = dotted((*_loc(stack), str(value)))
                twice = Refused(
                    _line(event), f"{where}: duplicate key '{value}' (first at line {_line(first)})"
                )
                if duplicates is None:
                    raise twice
                duplicates.append(twice)
                frame.drop = True  # the first value stays: the problem names its line
            else:
                frame.seen[value] = event  # its line is worked out only if the key comes again
            frame.key = value
        else:
            if frame.drop:
                frame.drop = False
            else:
                frame.container[frame.key] = value
            frame.key = _NO_KEY
    return result


def _line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def _loc(stack: list[_Frame]) -> tuple[int | str, ...]:
    """Where the innermost open collection sits, worked out only for an error: while a collection is open,
    its list parent's length is its index and its mapping parent's pending key is its key."""
    return tuple(
        len(parent.container) if type(parent.container) is list else str(parent.key) for parent in stack[:-1]
    )
