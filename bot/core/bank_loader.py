"""Load the YAML question bank, validate it, and report every problem with file and line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .bank import Bank
from .bank_schema import BankFile, GlossaryEntry, Kind, Question
from .errors import BankError
from .yaml_loader import BankLoader, Refused, load_events
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
# in a 40 KB file crash the process). The data is built from the event stream, which checks the depth as it
# goes; a node tree is composed only to find the line of a problem in a file that passed.
MAX_DEPTH = 32


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
        data = load_events(text, MAX_DEPTH)
    except Refused as exc:
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
        source = _Source(path, text, BankFile())
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
    return _Source(path, text, parsed)


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
