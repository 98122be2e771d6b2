"""One run of the validator reports all it can: a broken file or question hides nothing in the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.bank_loader import load_bank
from bot.core.errors import BankError
from tests.conftest import FIXTURE_BANK

GLOSSARY = (FIXTURE_BANK / "mini.yaml").read_text().split("questions:")[0]


def question(qid: str, stage: str = "eda", services: str = "", extra: str = "") -> str:
    return f"""  - id: {qid}
    stage: {stage}
    services: [{services}]
    difficulty: easy
    prompt: Which stage explores the data first?
    options:
      - text: EDA
        correct: true
      - text: Training
        why: Training fits the model.
    explanation: Exploration comes before modelling.
{extra}"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(*paths: Path) -> list[str]:
    with pytest.raises(BankError) as info:
        load_bank(list(paths))
    return info.value.problems


def test_syntax_schema_and_reference_problems_of_every_file_come_in_one_run(tmp_path: Path) -> None:
    g = _write(tmp_path, "a-glossary.yaml", GLOSSARY)
    syntax = _write(tmp_path, "b-syntax.yaml", "questions:\n  - id: [broken\n")
    mixed = _write(
        tmp_path,
        "c-mixed.yaml",
        "questions:\n"
        + question("q-1").replace("difficulty: easy", "difficulty: impossible")
        + question("q-2", stage="edaa")
        + question("q-3", services="eda"),
    )
    dup = _write(tmp_path, "d-dup.yaml", "questions:\n" + question("q-2", services="no-such-service"))
    problems = _problems(g, syntax, mixed, dup)
    files = [p.split(":", 1)[0] for p in problems]
    assert files == sorted(files), "listed file by file, in the order given"
    assert (
        f"{syntax}:2: YAML syntax: the bracket '[' opened on line 2 is never closed: close it with ']'"
        in problems
    )
    assert f"{mixed}:5: questions[0].difficulty: Input should be 'easy', 'medium' or 'hard'" in problems
    # The other questions of a file with a schema problem still have their references checked ...
    assert f"{mixed}:14: questions[1].stage: unknown stage 'edaa'" in problems
    assert f"{mixed}:26: questions[2].services[0]: 'eda' is a stage, not a service" in problems
    # ... and so do other files, against the ids of the questions that passed, wherever they are.
    assert f"{dup}:2: questions[0].id: 'q-2' also at {mixed}:13" in problems
    assert f"{dup}:4: questions[0].services[0]: unknown service 'no-such-service'" in problems
    assert not any("questions[0].stage" in p and str(mixed) in p for p in problems), "q-1 failed its schema"
    assert len(problems) == 6, problems


def test_a_duplicate_key_hides_nothing_else_in_its_file(tmp_path: Path) -> None:
    g = _write(tmp_path, "a-glossary.yaml", GLOSSARY)
    q = _write(
        tmp_path,
        "q.yaml",
        "questions:\n"
        + question("q-1").replace("    difficulty: easy\n", "    difficulty: easy\n" * 2, 1)
        # a second question with a schema problem and one with a bad reference
        + question("q-2").replace("difficulty: easy", "difficulty: impossible")
        + question("q-3", stage="edaa"),
    )
    problems = _problems(g, q)
    assert problems == [
        f"{q}:6: questions[0].difficulty: duplicate key 'difficulty' (first at line 5)",
        f"{q}:17: questions[1].difficulty: Input should be 'easy', 'medium' or 'hard'",
        f"{q}:26: questions[2].stage: unknown stage 'edaa'",
    ]


def test_references_are_checked_against_the_glossary_entries_that_loaded(tmp_path: Path) -> None:
    broken = GLOSSARY.replace("    order: 8\n", "    order: eight\n", 1)  # the 'training' stage fails
    g = _write(tmp_path, "a-glossary.yaml", broken)
    q = _write(
        tmp_path,
        "q.yaml",
        "questions:\n"
        + question("q-1", stage="eda", services="sagemaker-data-wrangler")
        + question("q-2", stage="training")  # names the broken entry: its own error says enough
        + question("q-3", stage="edaa"),
    )
    problems = _problems(g, q)
    training = 1 + GLOSSARY.splitlines().index("    order: 8")
    assert problems[0].startswith(f"{g}:{training}: glossary[1].order: ")
    assert problems[1] == (
        f"{g}:{training}: the glossary has errors: references were checked against the 6 entries that loaded;"
        " fix it and rerun to check the rest"
    )
    assert problems[2:] == [f"{q}:25: questions[2].stage: unknown stage 'edaa'"]


def test_a_glossary_that_is_not_yaml_leaves_the_other_files_checked(tmp_path: Path) -> None:
    g = _write(tmp_path, "a-glossary.yaml", GLOSSARY.replace("    order: 3\n", "    order: [3\n", 1))
    q = _write(
        tmp_path,
        "q.yaml",
        "questions:\n"
        + question("q-1", stage="eda", services="sagemaker-training")
        + question("q-1", stage="edaa")
        + question("q-3").replace("difficulty: easy", "difficulty: impossible"),
    )
    problems = _problems(g, q)
    assert problems[0].startswith(f"{g}:")
    assert "references were checked against the 0 entries that loaded" in problems[1]
    # Ids written in the unreadable glossary are not called unknown; an id written nowhere is.
    assert problems[2:] == [
        f"{q}:13: questions[1].id: 'q-1' also at {q}:2",
        f"{q}:14: questions[1].stage: unknown stage 'edaa'",
        f"{q}:27: questions[2].difficulty: Input should be 'easy', 'medium' or 'hard'",
    ]


def test_a_key_written_twice_keeps_its_first_value_and_its_question_is_still_checked(tmp_path: Path) -> None:
    g = _write(tmp_path, "a-glossary.yaml", GLOSSARY)
    second = "        correct: true\n        correct: false\n"
    q = _write(
        tmp_path,
        "q.yaml",
        "questions:\n" + question("q-1", stage="edaa").replace("        correct: true\n", second),
    )
    assert _problems(g, q) == [
        f"{q}:3: questions[0].stage: unknown stage 'edaa'",
        f"{q}:10: questions[0].options[0].correct: duplicate key 'correct' (first at line 9)",
    ]
