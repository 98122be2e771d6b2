"""Bank loading: every error with file, line and field, all reported together."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.bank_loader import load_bank
from bot.core.errors import BankError
from tests.conftest import FIXTURE_BANK

GLOSSARY = (FIXTURE_BANK / "mini.yaml").read_text().split("questions:")[0]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _problems(*paths: Path) -> list[str]:
    with pytest.raises(BankError) as info:
        load_bank(list(paths))
    return info.value.problems


def test_fixture_bank_loads(mini_bank) -> None:  # type: ignore[no-untyped-def]
    assert len(mini_bank.questions) == 6
    assert [e.id for e in mini_bank.stages()] == ["eda", "training", "monitoring"]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.yaml", "questions:\n  - id: x\n    prompt: [unclosed\n")
    (problem,) = _problems(bad)
    assert (
        problem
        == f"{bad}:3: YAML syntax: the bracket '[' opened on line 3 is never closed: close it with ']'"
    )


def test_schema_errors_name_line_and_field_and_are_all_reported(tmp_path: Path) -> None:
    g = _write(tmp_path, "glossary.yaml", GLOSSARY)
    q = _write(
        tmp_path,
        "q.yaml",
        """questions:
  - id: ok-1
    stage: eda
    difficulty: easy
    prompt: Which stage explores the data first?
    options:
      - text: EDA
        correct: true
      - text: Training
    explanation: Exploration comes before modelling.
  - id: ok-2
    stage: eda
    difficulty: impossible
    prompt: Another question about exploring data?
    options:
      - text: Yes
        correct: true
      - text: All of the above
        why: no
    explanation: Exploration comes before modelling.
""",
    )
    problems = _problems(g, q)
    joined = "\n".join(problems)
    assert problems == [
        f"{q}:2: questions[0]: wrong option(s) B need a 'why'",
        f"{q}:13: questions[1].difficulty: Input should be 'easy', 'medium' or 'hard'",
        f"{q}:16: questions[1].options[0].text: Input should be a valid string"
        " (YAML reads yes/no/on/off/true/false as booleans: quote the text)",
        f"{q}:18: questions[1].options[1].text: catch-all options ('all/none of the above') are not allowed",
        f"{q}:19: questions[1].options[1].why: Input should be a valid string"
        " (YAML reads yes/no/on/off/true/false as booleans: quote the text)",
    ]
    assert "Tuple should have" not in joined


def test_unknown_tags_and_duplicate_ids_across_files(tmp_path: Path) -> None:
    g = _write(tmp_path, "a-glossary.yaml", GLOSSARY)
    body = """  - id: {qid}
    stage: {stage}
    services: [{service}]
    difficulty: easy
    prompt: Which stage explores the data first?
    options:
      - text: EDA
        correct: true
      - text: Training
        why: Training fits the model.
    explanation: Exploration comes before modelling.
"""
    one = _write(
        tmp_path, "b.yaml", "questions:\n" + body.format(qid="q-1", stage="eda", service="sagemaker-training")
    )
    two = _write(tmp_path, "c.yaml", "questions:\n" + body.format(qid="q-1", stage="edaa", service="eda"))
    problems = _problems(g, one, two)
    assert f"{two}:2: questions[0].id: 'q-1' also at {one}:2" in problems
    assert f"{two}:3: questions[0].stage: unknown stage 'edaa'" in problems
    assert f"{two}:4: questions[0].services[0]: 'eda' is a stage, not a service" in problems


def test_missing_and_empty_inputs(tmp_path: Path) -> None:
    assert _problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no .yaml files" in _problems(empty)[0]
    top = _write(tmp_path, "list.yaml", "- 1\n- 2\n")
    assert _problems(top) == [f"{top}:1: the file must be a mapping with 'glossary' and/or 'questions'"]


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    g = _write(
        tmp_path, "glossary.yaml", GLOSSARY.replace("    order: 3\n", "    order: 3\n    colour: red\n", 1)
    )
    (problem,) = [p for p in _problems(g) if "colour" in p]
    assert problem.startswith(f"{g}:") and "glossary[0].colour: Extra inputs are not permitted" in problem
