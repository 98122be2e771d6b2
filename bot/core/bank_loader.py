"""Load the YAML question bank, validate it, and report every problem with file and line."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .bank import Bank
from .bank_schema import BankFile, GlossaryEntry, Kind, LookupWords, Question
from .errors import BankError
from .yaml_loader import BankLoader, Refused, load_events
from .yaml_loader import dotted as _dotted
from .yaml_syntax import syntax_problem

_Loader: Any = BankLoader  # libyaml's C parser with lean plain-data construction (see yaml_loader)

Loc = tuple[int | str, ...]


@dataclass
class _Source:
    """One parsed file: the entries and questions that passed the schema, with their places in the file."""

    path: Path
    text: str
    glossary: list[tuple[int, GlossaryEntry]] = field(default_factory=list)
    questions: list[tuple[int, Question]] = field(default_factory=list)
    lookup: LookupWords | None = None
    broken_ids: set[str] = field(default_factory=set)  # ids written on glossary entries that failed
    glossary_trouble: int | None = None  # line of this file's first glossary problem, if any
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
# in a 40 KB file crash the process). The data is built from the event stream, which checks the depth as it
# goes; a node tree is composed only to find the line of a problem in a file that passed.
MAX_DEPTH = 32


class _Report:
    """Problems by file, each with its line; listed file by file (in the order given), by line within a file."""

    def __init__(self, files: Sequence[Path]) -> None:
        self._order = {path: i for i, path in enumerate(files)}
        self._found: list[tuple[int, int, int, str]] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        self._found.append((self._order.get(path, 0), line or 0, len(self._found), f"{where}: {message}"))

    def lines(self) -> list[str]:
        return [text for *_, text in sorted(self._found)]


# In the text of a file that could not be read as YAML: its top-level keys, and the ids written in it.
_TOP_KEY = re.compile(r"([A-Za-z_]\w*)[ \t]*:")
_ID_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?id[ \t]*:[ \t]*['\"]?([a-z0-9][a-z0-9-]*)")


def _parse(path: Path, report: _Report) -> _Source | None:
    """Read one file; its schema problems are all reported, and what passed is kept for the later checks."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        report.add(path, None, "no such file")
        return None
    except OSError as exc:
        report.add(path, None, f"cannot read: {exc}")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.add(path, line, f"not UTF-8 text: byte {raw[exc.start]:#04x} cannot be read")
        return _unread(path, raw.decode("utf-8", "replace"), line)
    duplicates: list[Refused] = []
    failed: tuple[int, str] | None = None
    try:
        data = load_events(text, MAX_DEPTH, duplicates)
    except Refused as exc:
        failed = exc.line, exc.problem
    except yaml.MarkedYAMLError as exc:
        failed = syntax_problem(text, exc)
    except yaml.YAMLError as exc:  # a reader error (a control character) has a position, not a mark
        position = getattr(exc, "position", 0)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        failed = line, f"YAML: {str(exc).splitlines()[0]}"
    for twice in duplicates:  # reported, and the rest of the file is checked all the same
        report.add(path, twice.line, twice.problem)
    if failed is not None:
        report.add(path, *failed)
        return _unread(path, text, failed[0])
    if data is None:
        data = {}
    if not isinstance(data, dict):
        report.add(path, 1, "the file must be a mapping with 'glossary' and/or 'questions'")
        return _unread(path, text, 1)
    source = _Source(path, text)
    try:
        parsed = BankFile.model_validate(data)
    except ValidationError as exc:
        _report_schema(source, exc, report)
        _salvage(source, data)
        return source
    source.glossary = list(enumerate(parsed.glossary))
    source.questions = list(enumerate(parsed.questions))
    source.lookup = parsed.lookup
    return source


def _unread(path: Path, text: str, line: int) -> _Source:
    """A file that could not be read as data: nothing in it is checked further. If its text has a glossary,
    the ids written there are taken as entries with errors, so that references to them elsewhere are not
    reported as unknown, and the other files' references are checked knowing the glossary is incomplete."""
    source = _Source(path, text)
    section = None
    for row in text.splitlines():
        top = _TOP_KEY.match(row)
        if top:
            section = top.group(1)
            if section == "glossary" and source.glossary_trouble is None:
                source.glossary_trouble = line
        elif section == "glossary" and (found := _ID_LINE.match(row)):
            source.broken_ids.add(found.group(1))
    return source


def _report_schema(source: _Source, exc: ValidationError, report: _Report) -> None:
    errors = exc.errors(include_url=False)
    for err in errors:
        loc = tuple(err["loc"])
        nested = any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == loc for o in errors)
        if err["type"] == "too_short" and nested:
            continue  # the items themselves failed; their errors say more than the count does
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "string_type" and isinstance(err.get("input"), bool):
            msg += " (YAML reads yes/no/on/off/true/false as booleans: quote the text)"
        line = source.line(loc)
        report.add(source.path, line, f"{_dotted(loc)}: {msg}")
        if loc[:1] == ("glossary",) and source.glossary_trouble is None:
            source.glossary_trouble = line


def _salvage(source: _Source, data: dict[Any, Any]) -> None:
    """Keep every glossary entry and question of a failed file that passes on its own, for the later checks."""
    for i, item in enumerate(_items(data, "glossary")):
        try:
            source.glossary.append((i, GlossaryEntry.model_validate(item)))
        except ValidationError:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                source.broken_ids.add(item["id"])
    for i, item in enumerate(_items(data, "questions")):
        with contextlib.suppress(ValidationError):  # its problems are among the file's schema problems
            source.questions.append((i, Question.model_validate(item)))


def _items(data: dict[Any, Any], key: str) -> list[Any]:
    found = data.get(key)
    return found if isinstance(found, list) else []


def _check_references(sources: list[_Source], report: _Report) -> None:
    """Ids unique across files and tags naming glossary entries of the right kind, for every entry and question
    that passed the schema; against the entries that loaded, saying so when the glossary has errors."""
    # First places of ids, as (file, loc): lines are looked up only for problems (composing costs time).
    seen_entries: dict[str, tuple[_Source, Loc]] = {}
    seen_questions: dict[str, tuple[_Source, Loc]] = {}
    seen_terms: dict[str, tuple[_Source, Loc]] = {}  # a learner word in two groups would be read as both
    kinds: dict[str, Kind] = {}
    broken = {ref for src in sources for ref in src.broken_ids}

    def at(place: tuple[_Source, Loc]) -> str:
        return f"{place[0].path}:{place[0].line(place[1])}"

    def unique(seen: dict[str, tuple[_Source, Loc]], src: _Source, loc: Loc, ref: str) -> None:
        if ref in seen:
            report.add(src.path, src.line(loc), f"{_dotted(loc)}: '{ref}' also at {at(seen[ref])}")
        seen.setdefault(ref, (src, loc))

    for src in sources:
        for i, entry in src.glossary:
            unique(seen_entries, src, ("glossary", i, "id"), entry.id)
            kinds[entry.id] = entry.kind

    checked = 0

    def expect(src: _Source, loc: Loc, ref: str, allowed: Iterable[Kind], what: str) -> None:
        nonlocal checked
        checked += 1
        kind = kinds.get(ref)
        if kind is None and ref in broken:
            return  # an entry with errors of its own, reported there
        if kind is None:
            report.add(src.path, src.line(loc), f"{_dotted(loc)}: unknown {what} '{ref}'")
        elif kind not in allowed:
            report.add(src.path, src.line(loc), f"{_dotted(loc)}: '{ref}' is a {kind.value}, not a {what}")

    concept_kinds = [k for k in Kind if k not in (Kind.STAGE, Kind.SERVICE)]
    names = {_term(n): e.id for s in sources for _, e in s.glossary for n in (e.name, *e.aliases)}
    for src in sources:
        for i, entry in src.glossary:
            for j, ref in enumerate(entry.stages):
                expect(src, ("glossary", i, "stages", j), ref, [Kind.STAGE], "stage")
            for j, ref in enumerate(entry.services):
                expect(src, ("glossary", i, "services", j), ref, [Kind.SERVICE], "service")
        for i, q in src.questions:
            unique(seen_questions, src, ("questions", i, "id"), q.id)
            expect(src, ("questions", i, "stage"), q.stage, [Kind.STAGE], "stage")
            for j, ref in enumerate(q.services):
                expect(src, ("questions", i, "services", j), ref, [Kind.SERVICE], "service")
            for j, ref in enumerate(q.concepts):
                expect(src, ("questions", i, "concepts", j), ref, concept_kinds, "concept")
            if q.answer_ref is not None:
                expect(src, ("questions", i, "answer_ref"), q.answer_ref, list(Kind), "glossary entry")
        _check_lookup(src, expect, unique, seen_terms, names, report)
    trouble = next((s for s in sources if s.glossary_trouble is not None), None)
    if trouble is not None and checked:
        report.add(
            trouble.path,
            trouble.glossary_trouble,
            f"the glossary has errors: references were checked against the {len(kinds)} entries that loaded; "
            "fix it and rerun to check the rest",
        )


def _term(text: str) -> str:
    """A term as lookup compares terms: lower case, punctuation to spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _check_lookup(
    src: _Source,
    expect: Any,
    unique: Any,
    seen_terms: dict[str, tuple[_Source, Loc]],
    names: dict[str, str],
    report: _Report,
) -> None:
    """Lookup's learner words: each word or phrase in one group only (or in the outside list), cues naming
    stages, and no outside term naming a glossary entry."""
    if src.lookup is None:
        return
    for i, group in enumerate(src.lookup.same):
        for j, term in enumerate(group):
            unique(seen_terms, src, ("lookup", "same", i, j), " ".join(term.casefold().split()))
    for i, cue in enumerate(src.lookup.cues):
        for j, ref in enumerate(cue.stages):
            expect(src, ("lookup", "cues", i, "stages", j), ref, [Kind.STAGE], "stage")
    for i, term in enumerate(src.lookup.filler):
        unique(seen_terms, src, ("lookup", "filler", i), " ".join(term.casefold().split()))
    for i, term in enumerate(src.lookup.outside):
        loc: Loc = ("lookup", "outside", i)
        unique(seen_terms, src, loc, " ".join(term.casefold().split()))
        if _term(term) in names:
            entry = names[_term(term)]
            report.add(
                src.path, src.line(loc), f"{_dotted(loc)}: '{term}' names the glossary entry '{entry}'"
            )


def load_bank(paths: Sequence[Path | str]) -> Bank:
    """Load and validate every bank file under `paths`; raise BankError listing all problems, in one pass."""
    files = bank_files([Path(p) for p in paths])
    if not files:
        raise BankError([f"{', '.join(str(p) for p in paths)}: no .yaml files found"])
    report = _Report(files)
    sources = [s for s in (_parse(f, report) for f in files) if s is not None]
    _check_references(sources, report)
    problems = report.lines()
    if problems:
        raise BankError(problems)
    glossary: list[GlossaryEntry] = [e for s in sources for _, e in s.glossary]
    questions: list[Question] = [q for s in sources for _, q in s.questions]
    if not questions:
        raise BankError([f"{', '.join(str(p) for p in paths)}: the bank has no questions"])
    words = [s.lookup for s in sources if s.lookup is not None]
    lookup = LookupWords(
        same=tuple(g for w in words for g in w.same),
        cues=tuple(c for w in words for c in w.cues),
        filler=tuple(f for w in words for f in w.filler),
        outside=tuple(o for w in words for o in w.outside),
    )
    return Bank(glossary, questions, lookup)
