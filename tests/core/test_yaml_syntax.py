"""YAML syntax errors say what to do in plain words, beside the line to fix, worked out from the file's text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.bank_loader import load_bank
from bot.core.errors import BankError
from bot.core.yaml_loader import load_events
from bot.core.yaml_syntax import syntax_problem
from tests.conftest import FIXTURE_BANK

MINI = (FIXTURE_BANK / "mini.yaml").read_text(encoding="utf-8")


def line_of(fragment: str, text: str = MINI) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def swap_lines(text: str, fragment: str) -> str:
    lines = text.splitlines(keepends=True)
    i = line_of(fragment, text) - 1
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "".join(lines)


PROMPT = line_of("prompt: An analyst")
OPTIONS = PROMPT + 1
ITEM = line_of("- text: Amazon SageMaker Model Monitor")
CASES = [
    (
        "a tab for indentation",
        MINI.replace("    difficulty: medium\n", "\tdifficulty: medium\n", 1),
        line_of("difficulty: medium"),
        "a tab indents this line: use spaces, not tabs, to indent",
    ),
    (
        "a key indented more than the one above",
        MINI.replace("    options:\n", "      options:\n", 1),
        OPTIONS,
        f"'options' is indented more than 'prompt' above it on line {PROMPT}: line it up",
    ),
    (
        "a key indented less than the one above",
        MINI.replace("    options:\n", "   options:\n", 1),
        OPTIONS,
        f"'options' is indented less than 'prompt' above it on line {PROMPT}: line it up",
    ),
    (
        "a key indented back to the list's dashes",
        MINI.replace("    options:\n", "  options:\n", 1),
        OPTIONS,
        f"'options' is indented less than 'prompt' above it on line {PROMPT}: line it up",
    ),
    (
        "a key under a list item's first key",
        MINI.replace(
            "        why: It watches deployed models.\n", "          why: It watches deployed models.\n"
        ),
        ITEM + 1,
        f"'why' is indented more than 'text' above it on line {ITEM}: line it up",
    ),
    (
        "a list item out of line with the one above",
        MINI.replace(
            "      - text: Amazon SageMaker Data Wrangler\n", "     - text: Amazon SageMaker Data Wrangler\n"
        ),
        ITEM + 2,
        f"'- text' is indented less than '- text' above it on line {ITEM}: line it up",
    ),
    (
        "two lines swapped",
        swap_lines(MINI, "- text: Plotting feature"),
        line_of("- text: Plotting feature") + 1,
        f"'- text' is indented less than 'correct' above it on line {line_of('- text: Plotting feature')}: "
        "line it up",
    ),
    (
        "an unclosed double quote",
        MINI.replace("prompt: An analyst", 'prompt: "An analyst', 1),
        PROMPT,
        f'the quote opened on line {PROMPT} is never closed: end the text with "',
    ),
    (
        "an unclosed single quote",
        MINI.replace("prompt: An analyst", "prompt: 'An analyst", 1),
        PROMPT,
        f"the quote opened on line {PROMPT} is never closed: end the text with '",
    ),
    (
        "an unclosed bracket",
        MINI.replace("aliases: [EDA, data exploration]", "aliases: [EDA, data exploration", 1),
        line_of("aliases: [EDA"),
        f"the bracket '[' opened on line {line_of('aliases: [EDA')} is never closed: close it with ']'",
    ),
    (
        "an unclosed brace",
        MINI.replace("aliases: [EDA, data exploration]", "aliases: {EDA: data exploration", 1),
        line_of("aliases: [EDA"),
        f"the bracket '{{' opened on line {line_of('aliases: [EDA')} is never closed: close it with '}}'",
    ),
]


@pytest.mark.parametrize(("text", "line", "advice"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_syntax_errors_say_what_to_do_beside_the_line(
    tmp_path: Path, text: str, line: int, advice: str
) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BankError) as info:
        load_bank([path])
    assert info.value.problems == [f"{path}:{line}: YAML syntax: {advice}"]


@pytest.mark.parametrize(("text", "line", "advice"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_advice_comes_from_the_place_and_the_text_not_the_parsers_words(
    text: str, line: int, advice: str
) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as info:
        load_events(text, 32)
    reworded = yaml.MarkedYAMLError(
        "context changed", info.value.context_mark, "wording changed", info.value.problem_mark
    )
    assert syntax_problem(text, reworded) == (line, f"YAML syntax: {advice}")


def test_what_no_rule_explains_keeps_the_parsers_words_and_line() -> None:
    text = "questions: []\n---\nglossary: []\n"
    with pytest.raises(yaml.MarkedYAMLError) as info:
        load_events(text, 32)
    line, message = syntax_problem(text, info.value)
    assert line == 2 and message == f"YAML syntax: {info.value.problem}"


@pytest.mark.parametrize(
    "text",
    [
        "a: 'it''s closed'\nb: \"a \\\" quote\"\nc: [x, 'y]', {z: 1}]  # [ in a comment\n",
        "a: >-\n  text: that looks like a key\n      indented: anyhow\n  and a 'quote\nb: [1]\n",
        MINI,
    ],
    ids=["quotes and brackets closed", "block scalar text", "the fixture bank"],
)
def test_valid_lines_never_get_advice(text: str) -> None:
    load_events(text, 32)  # valid YAML: each line in turn is taken as the place a parser stopped
    lines = text.splitlines()
    for i in range(len(lines)):
        mark = yaml.Mark("f", 0, i, 0, None, None)
        assert syntax_problem(text, yaml.MarkedYAMLError(None, None, "stop", mark)) == (
            i + 1,
            "YAML syntax: stop",
        )
