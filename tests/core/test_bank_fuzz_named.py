"""Named damage to the fixture bank: each problem is reported with its file, exact line and field."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core.bank_fuzz_support import MINI_TEXT, keep_lines, outcome

# -- the named cases, with the exact place and field -----------------------------------------------


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """1-based line of the nth line containing `fragment`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[nth]


def edit_lines(text: str, edit: Callable[[list[str]], None]) -> str:
    lines = keep_lines(text)
    edit(lines)
    return "".join(lines)


def _at(fragment: str, nth: int = 0) -> int:
    return line_of(MINI_TEXT, fragment, nth) - 1  # 0-based index into the lines


Q2 = line_of(MINI_TEXT, "- id: t-eda-2")  # questions[1] starts here
NAMED: list[tuple[str, str, str]] = [
    (
        "delete a key",
        edit_lines(MINI_TEXT, lambda ls: ls.pop(_at("difficulty: medium"))),
        rf":{Q2}: questions\[1\]\.difficulty: Field required$",
    ),
    (
        "change a value's type",
        MINI_TEXT.replace("    prompt: Which activity", "    prompt: [Which activity", 1).replace(
            "data analysis?\n", "data analysis?]\n", 1
        ),
        rf":{Q2 + 3}: questions\[1\]\.prompt: Input should be a valid string$",
    ),
    (
        "duplicate ids",
        MINI_TEXT.replace("- id: t-tr-1", "- id: t-eda-2", 1),
        rf":{line_of(MINI_TEXT, '- id: t-tr-1')}: questions\[2\]\.id: 't-eda-2' also at .*mini\.yaml:{Q2}$",
    ),
    (
        "drop options",
        edit_lines(
            MINI_TEXT,
            lambda ls: ls.__delitem__(slice(_at("- text: Deploying"), _at("why: That is retraining") + 1)),
        ),
        rf":{Q2 + 4}: questions\[1\]\.options: Tuple should have at least 2 items",
    ),
    (
        "add options",
        MINI_TEXT.replace(
            "        why: That is retraining.\n",
            "        why: That is retraining.\n"
            + "".join(f"      - text: Extra {i}\n        why: No.\n" for i in range(3)),
            1,
        ),
        rf":{Q2 + 4}: questions\[1\]\.options: Tuple should have at most 5 items",
    ),
    (
        "two correct options",
        MINI_TEXT.replace(
            "        why: That is deployment.\n",
            "        correct: true\n        why: That is deployment.\n",
            1,
        ),
        rf":{Q2}: questions\[1\]: exactly one option must be correct, found 2$",
    ),
    (
        "an unknown stage",
        edit_lines(MINI_TEXT, lambda ls: ls.__setitem__(Q2, ls[Q2].replace("stage: eda", "stage: edaa"))),
        rf":{Q2 + 1}: questions\[1\]\.stage: unknown stage 'edaa'$",
    ),
    (
        "a service where a concept belongs",
        MINI_TEXT.replace(
            "    concepts: [data-drift]\n    answer_ref: sagemaker",
            "    concepts: [sagemaker-training]\n    answer_ref: sagemaker",
            1,
        ),
        rf":{line_of(MINI_TEXT, 'concepts: [data-drift]')}: questions\[4\]\.concepts\[0\]: 'sagemaker-training' is a service, not a concept$",
    ),
    (
        "a repeated key line",
        edit_lines(MINI_TEXT, lambda ls: ls.insert(_at("difficulty: medium"), ls[_at("difficulty: medium")])),
        rf":{Q2 + 3}: questions\[1\]\.difficulty: duplicate key 'difficulty' \(first at line {Q2 + 2}\)$",
    ),
    (
        "a tab for indentation",
        edit_lines(MINI_TEXT, lambda ls: ls.__setitem__(_at("difficulty: medium"), "\tdifficulty: medium\n")),
        rf":{Q2 + 2}: YAML syntax: a tab indents this line: use spaces, not tabs, to indent$",
    ),
    (
        "swapped lines",
        edit_lines(
            MINI_TEXT,
            lambda ls: ls.__setitem__(
                slice(_at("Plotting feature"), _at("Plotting feature") + 2),
                [ls[_at("Plotting feature") + 1], ls[_at("Plotting feature")]],
            ),
        ),
        rf":{Q2 + 6}: YAML syntax: '- text' is indented less than 'correct' above it on line {Q2 + 5}: line it up$",
    ),
    (
        "truncated inside a question",
        MINI_TEXT[: MINI_TEXT.index("    options:\n      - text: Plotting")] + "    options:\n",
        rf":{Q2 + 4}: questions\[1\]\.options: Input should be a valid tuple$",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in NAMED], ids=[n for n, _, _ in NAMED])
def test_named_mutations_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    problems = outcome([path])
    assert isinstance(problems, list), "the damaged file loaded"
    assert any(p.startswith(str(path)) and re.search(expected, p) for p in problems), problems
