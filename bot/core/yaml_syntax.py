"""YAML syntax errors in plain words: what is wrong and what to do, worked out from the file's own text.

The parser says where it stopped; the file's text says why, in the cases authors meet most: a tab used to
indent, a key indented out of line with the keys around it, a quote or bracket opened and never closed.
The advice comes from our reading of the lines near that place, never from the parser's wording (which
changes between PyYAML releases); when none of the cases fits, the parser's own words are passed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_LEAD = re.compile(r"( *)((?:-(?: +|$))*)")
_KEY = re.compile(r"([A-Za-z_][\w-]*) *:(?: +|$)")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*\s*(?:#.*)?$")
_CLOSE = {"[": "]", "{": "}"}


@dataclass
class _Line:
    """One line of the file as indentation sees it."""

    number: int  # 1-based
    text: str
    indent: int  # column of the first character that is not a space
    dash: int | None  # column of a list item's '-', if the line starts one
    key: str | None  # the mapping key the line starts, if any
    key_col: int  # column where the key (or the item's value) starts
    value: str  # what follows the key's ':' (or the item's '-'), comments and all
    content: bool = False  # inside a block scalar (| or >): text, not structure

    @property
    def blank(self) -> bool:
        return not self.text.strip() or self.text.lstrip(" ").startswith("#")


def _read(text: str) -> list[_Line]:
    lines: list[_Line] = []
    block_above: int | None = None  # lines more indented than this column belong to a block scalar
    for number, row in enumerate(text.splitlines(), 1):
        lead = _LEAD.match(row)
        assert lead is not None  # both groups can match nothing
        rest = row[lead.end() :]
        key = _KEY.match(rest)
        line = _Line(
            number=number,
            text=row,
            indent=len(row) - len(row.lstrip(" ")),
            dash=len(lead.group(1)) if lead.group(2) else None,
            key=key.group(1) if key else None,
            key_col=lead.end(),
            value=rest[key.end() :] if key else rest,
        )
        if block_above is not None and (line.blank or line.indent > block_above):
            line.content = True
        else:
            block_above = None
            if _BLOCK_SCALAR.match(line.value.strip()):
                block_above = line.key_col if line.key else (line.dash or 0)
        lines.append(line)
    return lines


def syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """(line, message) for a YAML syntax error in `text`: the line to fix and what to do there."""
    mark = exc.problem_mark or exc.context_mark
    at = min(mark.line, text.count("\n")) if mark else 0  # 0-based; a mark can sit just past the last line
    lines = _read(text)
    if lines:
        at = min(at, len(lines) - 1)
        for find in (_tab, _unclosed_quote, _unclosed_bracket, _misplaced):
            found = find(lines, at)
            if found is not None:
                return found[0], f"YAML syntax: {found[1]}"
    return at + 1, f"YAML syntax: {exc.problem or exc.context or exc}"


def _tab(lines: list[_Line], at: int) -> tuple[int, str] | None:
    """A tab in the indentation of the line where parsing stopped, or of the line above it."""
    for line in (lines[at], *_structure(lines, at)[:1]):
        if "\t" in line.text[: len(line.text) - len(line.text.lstrip(" \t"))]:
            return line.number, "a tab indents this line: use spaces, not tabs, to indent"
    return None


def _unclosed_quote(lines: list[_Line], at: int) -> tuple[int, str] | None:
    """The first value up to the stopping place that opens a quote and does not close it on its line."""
    for line in lines[: at + 1]:
        if line.content:
            continue
        value = line.value.lstrip(" ")
        if value[:1] in ("'", '"') and _quote_end(value, 0) is None:
            return (
                line.number,
                f"the quote opened on line {line.number} is never closed: end the text with {value[0]}",
            )
    return None


def _unclosed_bracket(lines: list[_Line], at: int) -> tuple[int, str] | None:
    """The last value up to the stopping place that opens a [list] or {mapping} not closed on its line."""
    for line in reversed(lines[: at + 1]):
        if line.content:
            continue
        value = line.value.lstrip(" ")
        if value[:1] in _CLOSE and not _flow_closes(value):
            return line.number, (
                f"the bracket '{value[0]}' opened on line {line.number} is never closed: "
                f"close it with '{_CLOSE[value[0]]}'"
            )
    return None


def _quote_end(text: str, start: int) -> int | None:
    """Index of the quote that closes the one at `start`, on this line, or None."""
    quote, i = text[start], start + 1
    while i < len(text):
        char = text[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":  # '' is a quote inside '...'
                i += 2
                continue
            return i
        i += 1
    return None


def _flow_closes(text: str) -> bool:
    """Whether the [ or { that starts `text` is closed on this line (quoted text and comments skipped)."""
    depth, i, item_start = 0, 0, True
    while i < len(text):
        char = text[i]
        if char in "'\"" and item_start:
            end = _quote_end(text, i)
            if end is None:
                return False
            i = end
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return True
        elif char == "#" and text[i - 1 : i] in (" ", "\t"):
            return False
        if char not in " \t":
            item_start = char in "[{,:"
        i += 1
    return False


def _structure(lines: list[_Line], at: int) -> list[_Line]:
    """The lines above `at` that hold keys or list items, nearest first (block scalar text left out)."""
    return [line for line in reversed(lines[:at]) if not line.blank and not line.content]


def _misplaced(lines: list[_Line], at: int) -> tuple[int, str] | None:
    """A key or list item at a column no open block above it uses: which line it should line up with."""
    line = lines[at]
    if line.content or (line.key is None and line.dash is None):
        return None
    col = line.dash if line.dash is not None else line.key_col
    # The open blocks at this point: walking up, each line less indented than all below it opens one.
    levels: list[tuple[int, _Line, bool]] = []  # (column, line, is a list item's '-')
    limit: int | None = None
    for above in _structure(lines, at):
        if above.key is None and above.dash is None:
            continue  # the rest of a long plain value, not structure
        if limit is None and above.key is not None and not above.value.strip() and col > above.key_col:
            return None  # the first line of a block under a key: any deeper column starts it
        if limit is not None and above.indent >= limit:
            continue  # inside a block closed already
        if above.dash is not None:
            levels.append((above.dash, above, True))
        if above.key is not None:
            levels.append((above.key_col, above, False))
        limit = above.indent
        if limit == 0:
            break
    item = line.dash is not None
    fits = [c for c, above, dash in levels if dash == item or (item and not above.value.strip())]
    if not levels or col in fits:
        return None
    # Nearest column first, then the same kind; a block at this very column is of the other kind (or the line
    # would fit), so lining up with it is not the advice.
    targets = [lv for lv in levels if lv[0] != col]
    if not targets:
        return None
    target_col, target, dash = min(targets, key=lambda lv: (abs(lv[0] - col), lv[2] != item))
    return line.number, (
        f"{_label(line, item)} is indented {'more' if col > target_col else 'less'} than "
        f"{_label(target, dash)} above it on line {target.number}: line it up"
    )


def _label(line: _Line, dash: bool) -> str:
    if dash:
        return f"'- {line.key}'" if line.key else "the list item"
    return f"'{line.key}'"
