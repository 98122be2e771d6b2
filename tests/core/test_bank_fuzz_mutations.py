"""Fuzzing the bank loader with careless edits of real bank files: each loads or fails with file and line."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.bank_fuzz_support import FUZZ, GLOSSARY, MINI, SHIPPED, TOKENS, keep_lines, outcome


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


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
    lines = keep_lines(text)
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
