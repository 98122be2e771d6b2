"""Inputs that once crashed, hung or misled the bank loader: alias bombs, deep nesting, unreadable bytes."""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.bank_loader import MAX_DEPTH
from tests.core.bank_fuzz_support import GLOSSARY, MINI, MINI_TEXT, SHIPPED, outcome

# -- inputs that used to crash, hang or mislead ----------------------------------------------------


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join([*lines, f"questions: *a{levels}", ""])


@pytest.mark.parametrize(
    "text",
    [
        _bomb(),
        (  # 100 KB stripped and copied once per alias: 100 MB from a 100 KB file
            'glossary:\n  - id: x\n    kind: stage\n    name: &s " '
            + "x" * 100_000
            + '"\n    aliases: ['
            + ", ".join(["*s"] * 1000)
            + "]\n    definition: Long enough to pass.\n"
        ),
        "questions: &q [*q]\n",
    ],
    ids=["billion laughs", "one long string a thousand times", "self reference"],
)
def test_an_alias_bomb_fails_fast_with_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        problems = outcome([path])
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2 and peak < 20 * 1024 * 1024, (elapsed, peak)
    assert isinstance(problems, list) and len(problems) == 1
    assert re.fullmatch(
        rf"{re.escape(str(path))}:\d+: YAML aliases \(\*\w+\) are not allowed in bank files; .*", problems[0]
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[" * 100_000 + "]" * 100_000, 1),  # once a segmentation fault in libyaml's composer
        ("{a: " * 100_000 + "}" * 100_000, 1),
        ("- " * 100_000 + "x\n", 1),
        ("questions:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 2000)), MAX_DEPTH + 1),
        ("q: " + "[" * 50 + "]" * 50 + "\n", 1),  # a RecursionError while building it, once
    ],
    ids=["flow lists", "flow mappings", "block lists", "block mappings", "fifty levels"],
)
def test_deep_nesting_fails_fast_without_crashing(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    problems = outcome([path])
    assert time.perf_counter() - started < 2
    # Behaviour, not wording: refused with one problem on the named line. Where PyYAML's own limit stops the
    # document first (libyaml's nesting cap, worded by the library and changed between patch releases), the
    # message is the library's; where ours does, it is ours.
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: "), problems


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"questions:\n  - id: a\n    prompt: caf\xe9\n", ":3: not UTF-8 text: byte 0xe9 cannot be read"),
        ("questions: []\n".encode("utf-16"), ":1: not UTF-8 text: byte 0xff"),
        (b"questions:\n  - id: a\x00b\n", ":2: YAML: unacceptable character #x0000"),
        (b"glossary: []\nquestions:\n  - id: \x07\n", ":3: YAML: unacceptable character #x0007"),
        (
            b"questions:\n  - id: a\n    order: 2024-13-45\n",
            ":3: cannot read '2024-13-45': month must be in 1..12",
        ),
        (b"questions:\n  - order: " + b"9" * 5000 + b"\n", ":2: cannot read '9999"),
        (b"questions: []\nquestions: []\n", ":2: questions: duplicate key 'questions' (first at line 1)"),
        (b"- 1\n- 2\n", ":1: the file must be a mapping with 'glossary' and/or 'questions'"),
        (b"a: 1\n---\nb: 2\n", ":2: YAML syntax: but found another document"),
        (b"questions: !!python/object:os.system {}\n", ":1: YAML syntax: could not determine a constructor"),
    ],
    ids=[
        "invalid UTF-8",
        "UTF-16",
        "NUL",
        "control character",
        "impossible date",
        "5000-digit number",
        "duplicate top-level key",
        "a list, not a mapping",
        "two documents",
        "python tag",
    ],
)
def test_unreadable_input_names_its_line(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(raw)
    problems = outcome([path])
    assert isinstance(problems, list) and problems[0].startswith(f"{path}{expected}"), problems


@pytest.mark.parametrize("files", [[MINI], [GLOSSARY, *SHIPPED]], ids=["fixture bank", "shipped bank"])
def test_the_unmutated_files_load(files: list[Path]) -> None:
    assert isinstance(outcome(files), Bank)


def test_a_star_in_prose_is_not_an_alias(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(
        MINI_TEXT.replace("such as outliers.", "such as outliers; F1 = 2*P*R/(P+R)."), encoding="utf-8"
    )
    bank = outcome([path])
    assert isinstance(bank, Bank) and "2*P*R" in bank.questions["t-eda-2"].explanation
