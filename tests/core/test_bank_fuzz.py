"""Fuzzing the bank loader: any text or bytes, and mutations of real bank files, load or fail cleanly.

The property everywhere: `load_bank` returns a valid bank, or raises BankError whose every problem starts
with one of the files it was given and a line number. Nothing else escapes, and nothing hangs (hypothesis'
deadline), crashes the interpreter (deep nesting) or eats memory (alias bombs).
"""

from __future__ import annotations

import copy
import functools
import re
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bank import Bank
from bot.core.bank_loader import MAX_DEPTH, load_bank
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


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# -- (a) arbitrary text and bytes ------------------------------------------------------------------

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


@FUZZ
@given(
    st.one_of(
        st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
        st.text(max_size=300),
    )
)
def test_any_text_loads_or_fails_with_file_and_line(workdir: Path, text: str) -> None:
    path = workdir / "text.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates make invalid UTF-8
    outcome([path])


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=400),
        st.tuples(
            st.sampled_from([MINI, *SHIPPED[:3]]), st.integers(0, 10_000), st.binary(min_size=1, max_size=8)
        ),
    )
)
def test_any_bytes_load_or_fail_with_file_and_line(
    workdir: Path, data: bytes | tuple[Path, int, bytes]
) -> None:
    if isinstance(data, tuple):  # junk bytes dropped into a real file
        source, at, junk = data
        raw = source.read_bytes()
        at %= len(raw)
        data = raw[:at] + junk + raw[at:]
    path = workdir / "bytes.yaml"
    path.write_bytes(data)
    outcome([path])


# -- (b) mutations of valid files ------------------------------------------------------------------


@functools.cache
def parsed(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    assert isinstance(data, dict)
    return data


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)
REFS = st.sampled_from(
    ["no-such-tag", "eda", "training", "sagemaker-training", "data-drift", "EDA", "", "a" * 61]
)


def _nodes(data: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into `data` (dict keys and list positions)."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        found.append((*at, key))
        found.extend(_nodes(value, (*at, key)))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def tree_mutation(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Change `data` in place the way a careless edit would: one of the named mutations of the issue."""
    found = data.get("questions")
    questions = [q for q in found if isinstance(q, dict)] if isinstance(found, list) else []
    kind = draw(
        st.sampled_from(
            [
                "delete key",
                "retype value",
                "duplicate item",
                "duplicate id",
                "drop options",
                "add options",
                "two correct",
                "no correct",
                "unknown tag",
                "catch-all option",
            ]
        )
    )
    if kind in ("delete key", "retype value", "duplicate item") or not questions:
        paths = _nodes(data)
        if not paths:
            return
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        if kind == "delete key":
            del parent[path[-1]]
        elif kind == "retype value":
            parent[path[-1]] = draw(JUNK)
        elif isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        return
    q = draw(st.sampled_from(questions))
    if not isinstance(q.get("options"), list):
        q["options"] = []
    options = q["options"]
    if kind == "duplicate id":
        q["id"] = draw(st.sampled_from(questions)).get("id")
    elif kind == "drop options":
        del options[draw(st.integers(0, 2)) :]
    elif kind == "add options":
        extra = draw(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4))
        options.extend({"text": t, "why": "Not this one."} for t in extra)
    elif kind in ("two correct", "no correct"):
        for i, option in enumerate(options):
            if isinstance(option, dict):
                option["correct"] = kind == "two correct" and i < 2
    elif kind == "unknown tag":
        field = draw(st.sampled_from(["stage", "services", "concepts", "answer_ref"]))
        q[field] = [draw(REFS)] if field in ("services", "concepts") else draw(REFS)
    elif kind == "catch-all option" and options and isinstance(options[-1], dict):
        options[-1]["text"] = "None of the above"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@st.composite
def text_mutation(draw: st.DrawFn, text: str) -> str:
    """Damage the text itself: truncate, swap, drop or repeat a line, or splice in junk."""
    kind = draw(
        st.sampled_from(["truncate", "swap lines", "drop line", "repeat line", "insert", "tab indent"])
    )
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(TOKENS) | st.text(max_size=5)) + text[at:]
    lines = _lines(text)
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "swap lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "drop line":
        del lines[i]
    elif kind == "repeat line":  # a repeated key line is a duplicate key
        lines.insert(i, lines[i])
    else:
        lines[i] = "\t" + lines[i].lstrip(" ")
    return "".join(lines)


@st.composite
def mutated(draw: st.DrawFn, source: Path) -> str:
    """A damaged copy of `source`: its data changed and dumped again, its text damaged, or both."""
    how = draw(st.sampled_from(["data", "text", "both"]))
    text = source.read_text(encoding="utf-8")
    if how != "text":
        data = copy.deepcopy(parsed(source))
        for _ in range(draw(st.integers(1, 3))):
            draw(tree_mutation(data))
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=120)
    if how != "data":
        text = draw(text_mutation(text))
    return text


@settings(FUZZ, max_examples=300)
@given(st.data())
def test_mutated_fixture_bank_loads_or_fails_with_file_and_line(workdir: Path, data: st.DataObject) -> None:
    path = workdir / "mini.yaml"
    path.write_text(data.draw(mutated(MINI)), encoding="utf-8")
    outcome([path])


@settings(FUZZ, max_examples=150)
@given(st.data())
def test_mutated_shipped_files_load_or_fail_with_file_and_line(workdir: Path, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SHIPPED))
    bank = workdir / "shipped"
    bank.mkdir(exist_ok=True)
    glossary = bank / GLOSSARY.name
    if not glossary.exists():
        glossary.write_bytes(GLOSSARY.read_bytes())
    path = bank / source.name
    path.write_text(data.draw(mutated(source)), encoding="utf-8")
    outcome([glossary, path])


# -- the named cases, with the exact place and field -----------------------------------------------

MINI_TEXT = MINI.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """1-based line of the nth line containing `fragment`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[nth]


def edit_lines(text: str, edit: Callable[[list[str]], None]) -> str:
    lines = _lines(text)
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
        rf":{Q2 + 2}: YAML syntax: ",
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
        rf":{Q2 + 6}: YAML syntax: did not find expected key$",
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
