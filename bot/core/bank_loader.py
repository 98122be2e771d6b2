"""Load the YAML question bank, validate it, and report every problem with file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .bank import Bank
from .bank_schema import BankFile, GlossaryEntry, Kind, Question
from .errors import BankError
from .yaml_loader import BankLoader, NeedsCompose, Refused, load_events
from .yaml_loader import dotted as _dotted

_Loader: Any = BankLoader  # libyaml's C parser with lean plain-data construction (see yaml_loader)

Loc = tuple[int | str, ...]


@dataclass
class _Source:
    """One parsed file, kept so that later checks can point at lines in it."""

    path: Path
    text: str
    parsed: BankFile
    _root: yaml.Node | None = None

    def line(self, loc: Loc) -> int:
        """Line (1-based) of the deepest node along `loc` that exists in the file."""
        if self._root is None:
            self._root = yaml.compose(self.text, Loader=_Loader)
        return _locate(self._root, loc)


def _locate(node: yaml.Node | None, loc: Loc) -> int:
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def bank_files(paths: Sequence[Path]) -> list[Path]:
    """Expand directories into their YAML files, sorted, so loading order is stable."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


# Bank files nest five levels (file, questions, question, options, option). Much deeper is a mistake or an
# attack: libyaml's parser slows down quadratically with depth and its composer recurses in C (20,000 '['
# in a 40 KB file crash the process), so depth is checked on the event stream before composing wherever
# the text could nest that deep.
MAX_DEPTH = 32
_SCAN_ABOVE = 500  # a nesting bound above which a text's events are checked before composing
_LEADING = re.compile(r"^[ ?-]*", re.MULTILINE)  # indentation and block indicators opening a line


def _depth_bound(text: str) -> int:
    """An upper bound on how deep the text can nest, computed in C: flow brackets plus the widest run of
    indentation and block indicators ('- - - x' nests on one line). Bank files come to a few hundred."""
    flow = text.count("[") + text.count("{")
    return flow + max((len(m) for m in _LEADING.findall(text)), default=0)


_COLLECTIONS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 1


class _Refused(Exception):
    """A shape the loader refuses before building data from it, with the line that shows it."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


def _scan(text: str) -> None:
    """Refuse aliases and deep nesting from the event stream (no recursion, stops at the first)."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _COLLECTIONS):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(_line(event.start_mark), f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, _ENDS):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            # Each alias is another reference to the anchored value, so a few lines can stand for
            # billions of values; bank files are plain data and need none.
            raise _Refused(
                _line(event.start_mark),
                f"YAML aliases (*{event.anchor}) are not allowed in bank files; write the value out",
            )


def _check_nodes(root: yaml.Node) -> None:
    """Refuse deep nesting and duplicate keys (YAML would silently keep only the last value)."""
    stack: list[tuple[yaml.Node, int, Loc]] = [(root, 1, ())]
    while stack:
        node, depth, loc = stack.pop()
        if depth > MAX_DEPTH:
            raise _Refused(node.start_mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1, (*loc, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first:
                        raise _Refused(
                            line,
                            f"{_dotted((*loc, key.value))}: duplicate key '{key.value}' "
                            f"(first at line {first[key.value]})",
                        )
                    first[key.value] = line
                else:
                    stack.append((key, depth + 1, loc))
                stack.append((value, depth + 1, (*loc, str(key.value))))


def _bad_scalar(loader: Any, root: yaml.Node) -> yaml.Node:
    """The first scalar that cannot be built (a date like 2024-13-45, a 5000-digit number)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                return node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return root


def _load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Data (and node tree, where composed) of one document; _Refused or a YAML error (with a line)."""
    try:  # the fast path: straight from the events, checking as it goes
        return load_events(text, MAX_DEPTH), None
    except Refused as exc:
        raise _Refused(exc.line, exc.problem) from None
    except NeedsCompose:
        pass  # explicit collection tags, merge keys or several documents: PyYAML's composer, checked
    if "*" in text or _depth_bound(text) > _SCAN_ABOVE:
        _scan(text)  # aliases, or nesting libyaml's recursive composer might not survive: look first
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None
        _check_nodes(root)
        try:
            return loader.construct_document(root), root
        except (ValueError, OverflowError) as exc:
            bad = _bad_scalar(_Loader(""), root)
            raise _Refused(bad.start_mark.line + 1, f"cannot read {str(bad.value)[:40]!r}: {exc}") from None
    finally:
        loader.dispose()


def _parse(path: Path, problems: list[str]) -> _Source | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(f"{path}: no such file")
        return None
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(f"{path}:{line}: not UTF-8 text: byte {raw[exc.start]:#04x} cannot be read")
        return None
    try:
        data, root = _load_yaml(text)
    except _Refused as exc:
        problems.append(f"{path}:{exc.line}: {exc.problem}")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.append(
            f"{path}:{mark.line + 1 if mark else 1}: YAML syntax: {exc.problem or exc.context or exc}"
        )
        return None
    except yaml.YAMLError as exc:  # a reader error (a control character) has a position, not a mark
        position = getattr(exc, "position", 0)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        problems.append(f"{path}:{line}: YAML: {str(exc).splitlines()[0]}")
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(f"{path}:1: the file must be a mapping with 'glossary' and/or 'questions'")
        return None
    try:
        parsed = BankFile.model_validate(data)
    except ValidationError as exc:
        source = _Source(path, text, BankFile(), root)
        errors = exc.errors(include_url=False)
        found = []
        for err in errors:
            loc = tuple(err["loc"])
            nested = any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in errors)
            if err["type"] == "too_short" and nested:
                continue  # the items themselves failed; their errors say more than the count does
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "string_type" and isinstance(err.get("input"), bool):
                msg += " (YAML reads yes/no/on/off/true/false as booleans: quote the text)"
            found.append((source.line(loc), f"{_dotted(loc)}: {msg}"))
        problems.extend(f"{path}:{line}: {text}" for line, text in sorted(found, key=lambda f: f[0]))
        return None
    return _Source(path, text, parsed, root)


def _check_references(sources: list[_Source], problems: list[str]) -> None:
    # First places of ids, as (file, loc): lines are looked up only for problems (composing costs time).
    seen_entries: dict[str, tuple[_Source, Loc]] = {}
    seen_questions: dict[str, tuple[_Source, Loc]] = {}
    kinds: dict[str, Kind] = {}

    def at(place: tuple[_Source, Loc]) -> str:
        return f"{place[0].path}:{place[0].line(place[1])}"

    for src in sources:
        for i, entry in enumerate(src.parsed.glossary):
            here = (src, ("glossary", i, "id"))
            if entry.id in seen_entries:
                problems.append(
                    f"{at(here)}: glossary[{i}].id: '{entry.id}' also at {at(seen_entries[entry.id])}"
                )
            seen_entries.setdefault(entry.id, here)
            kinds[entry.id] = entry.kind

    def expect(src: _Source, loc: Loc, ref: str, allowed: Iterable[Kind], what: str) -> None:
        kind = kinds.get(ref)
        if kind is None:
            problems.append(f"{src.path}:{src.line(loc)}: {_dotted(loc)}: unknown {what} '{ref}'")
        elif kind not in allowed:
            problems.append(
                f"{src.path}:{src.line(loc)}: {_dotted(loc)}: '{ref}' is a {kind.value}, not a {what}"
            )

    concept_kinds = [k for k in Kind if k not in (Kind.STAGE, Kind.SERVICE)]
    for src in sources:
        for i, entry in enumerate(src.parsed.glossary):
            for j, ref in enumerate(entry.stages):
                expect(src, ("glossary", i, "stages", j), ref, [Kind.STAGE], "stage")
            for j, ref in enumerate(entry.services):
                expect(src, ("glossary", i, "services", j), ref, [Kind.SERVICE], "service")
        for i, q in enumerate(src.parsed.questions):
            here = (src, ("questions", i, "id"))
            if q.id in seen_questions:
                problems.append(f"{at(here)}: questions[{i}].id: '{q.id}' also at {at(seen_questions[q.id])}")
            seen_questions.setdefault(q.id, here)
            expect(src, ("questions", i, "stage"), q.stage, [Kind.STAGE], "stage")
            for j, ref in enumerate(q.services):
                expect(src, ("questions", i, "services", j), ref, [Kind.SERVICE], "service")
            for j, ref in enumerate(q.concepts):
                expect(src, ("questions", i, "concepts", j), ref, concept_kinds, "concept")
            if q.answer_ref is not None:
                expect(src, ("questions", i, "answer_ref"), q.answer_ref, list(Kind), "glossary entry")


def load_bank(paths: Sequence[Path | str]) -> Bank:
    """Load and validate every bank file under `paths`; raise BankError listing all problems."""
    files = bank_files([Path(p) for p in paths])
    problems: list[str] = []
    if not files:
        raise BankError([f"{', '.join(str(p) for p in paths)}: no .yaml files found"])
    sources = [s for s in (_parse(f, problems) for f in files) if s is not None]
    _check_references(sources, problems)
    if problems:
        raise BankError(problems)
    glossary: list[GlossaryEntry] = [e for s in sources for e in s.parsed.glossary]
    questions: list[Question] = [q for s in sources for q in s.parsed.questions]
    if not questions:
        raise BankError([f"{', '.join(str(p) for p in paths)}: the bank has no questions"])
    return Bank(glossary, questions)
