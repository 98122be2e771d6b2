"""Shared by the bank fuzz tests: the property every outcome must have, the settings, the inputs.

The property everywhere: `load_bank` returns a valid bank, or raises BankError whose every problem starts
with one of the files it was given and a line number. Nothing else escapes, and nothing hangs (hypothesis'
deadline), crashes the interpreter (deep nesting) or eats memory (alias bombs).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.errors import BankError
from tests.conftest import FIXTURE_BANK, ROOT

MINI = FIXTURE_BANK / "mini.yaml"
GLOSSARY = ROOT / "questions" / "glossary.yaml"
SHIPPED = sorted(p for p in (ROOT / "questions").glob("*.yaml") if p != GLOSSARY)

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=5),  # generous for a loaded CI box; a hang still fails
    derandomize=True,  # the same examples every run: CI stays reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(files: list[Path]) -> Bank | list[str]:
    """Load, and check the property: a valid bank, or problems that each name a file and a line."""
    try:
        bank = load_bank(files)
    except BankError as exc:
        assert exc.problems, "a BankError must list its problems"
        whole_bank = f"{', '.join(str(f) for f in files)}: the bank has no questions"
        for problem in exc.problems:
            if problem == whole_bank:
                continue  # about the bank as a whole, not any one place in a file
            named = next((f for f in files if problem.startswith(f"{f}:")), None)
            assert named is not None, f"names none of the files: {problem!r}"
            assert re.match(r"\d+: \S", problem[len(str(named)) + 1 :]), f"no line number: {problem!r}"
        return exc.problems
    assert bank.questions
    for question in bank.questions.values():
        assert 2 <= len(question.options) <= 5
        assert sum(option.correct for option in question.options) == 1
    return bank


# Pieces of YAML that reach the corners of the parser, the constructor and the schema.
TOKENS = [
    "questions:",
    "glossary:",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "\t",
    "- ",
    ": ",
    "? ",
    ", ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!!python/object:os.system ",
    "!custom ",
    "'",
    '"',
    "# c",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "|\n",
    ">-\n",
    "id: q-1",
    "id: ",
    "stage: eda",
    "difficulty: easy",
    "prompt: What is exploratory data analysis?",
    "options:",
    "text: A",
    "correct: true",
    "why: because",
    "explanation: Exploration comes first.",
    "kind: stage",
    "yes",
    "~",
    "null",
    "0x1F",
    "1e999",
    ".nan",
    "2024-13-45",
    "2024-01-01",
    "12:30:00",
    "9" * 5000,
    "\x00",
    "\x07",
    "\x85",
    "\u2028",
    "\ufeff",
    "\udcff",
    "é",
    "🇦",
]

MINI_TEXT = MINI.read_text(encoding="utf-8")


def keep_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)
