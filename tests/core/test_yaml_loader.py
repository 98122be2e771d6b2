"""The lean bank loader gives exactly what PyYAML's safe loader gives, for bank files and odd YAML alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.yaml_loader import BankLoader, Refused, load_events

STOCK = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHIPPED = sorted((Path(__file__).resolve().parents[2] / "questions").glob("*.yaml"))

ODD = """\
a: &x [1, 2.5, yes, no, null, ~, 2024-01-01, '1', "x", '=', -, -a, .inf, 0x1F, y, n, On, NULL, '', 1_000]
b: *x
<<: {c: 3}
d: !!str 5
f: -3
g: !!binary aGVsbG8=
h: ''
i:
j: {}
k: []
l: !!set {p, q}
m: 2001-12-14t21:59:43.10-05:00
n: "yes"
o: >-
  folded
  text
"""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_load_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=BankLoader) == yaml.load(text, Loader=STOCK)


def test_scalars_tags_merges_and_aliases_load_the_same() -> None:
    ours, stock = yaml.load(ODD, Loader=BankLoader), yaml.load(ODD, Loader=STOCK)
    assert ours == stock
    assert ours["a"] is ours["b"]  # an alias is the same object, as in PyYAML
    assert ours["n"] == "yes" and ours["a"][2] is True and ours["c"] == 3


@pytest.mark.parametrize("text", ["? [a]\n: x\n", "a: !!python/object:os.system x\n", "a: [b\n"])
def test_what_the_safe_loader_refuses_is_refused_too(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as stock:
        yaml.load(text, Loader=STOCK)
    with pytest.raises(type(stock.value)):
        yaml.load(text, Loader=BankLoader)


plain = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["yes", "No", "on", "~", "null", "0x10", "1:30", "2024-02-03", "-", ".5", "<<", "y"]),
)
documents = st.recursive(
    plain,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_any_dumped_data_loads_the_same(data: object, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert yaml.load(text, Loader=BankLoader) == yaml.load(text, Loader=STOCK)


# -- the event builder: the same data, straight from libyaml's events --------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_event_builder_gives_the_safe_loaders_data_for_shipped_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_events(text, 32) == yaml.load(text, Loader=STOCK)


@settings(max_examples=200, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_the_event_builder_gives_the_safe_loaders_data_for_any_dumped_data(
    data: object, flow: bool | None
) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert load_events(text, 64) == yaml.load(text, Loader=STOCK)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("a: &x [1]\nb: *x\n", 2, "aliases (*x) are not allowed"),
        ("a:\n  b: 1\n  b: 2\n", 3, "a.b: duplicate key 'b' (first at line 2)"),
        ("q:\n  - x: 1\n  - x: 1\n    x: 2\n", 4, "q[1].x: duplicate key 'x' (first at line 3)"),
        ("[" * 40 + "]" * 40, 1, "nested more than 32 levels deep"),
        ("when: 2024-13-45\n", 1, "cannot read '2024-13-45'"),
    ],
)
def test_the_event_builder_refuses_what_bank_files_must_not_hold(text: str, line: int, says: str) -> None:
    with pytest.raises(Refused) as refused:
        load_events(text, 32)
    assert refused.value.line == line and says in refused.value.problem


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("<<: {c: 3}\nd: 4\n", 1, "merge keys (<<) are not allowed"),
    ],
)
def test_merge_keys_are_refused(text: str, line: int, says: str) -> None:
    with pytest.raises(Refused) as refused:
        load_events(text, 32)
    assert refused.value.line == line and says in refused.value.problem


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [("a: 1\n---\nb: 2\n", 2, "but found another document"), ("a: !!set {x}\n", 1, "could not determine")],
)
def test_second_documents_and_collection_tags_are_yaml_errors_with_a_line(
    text: str, line: int, says: str
) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as refused:
        load_events(text, 32)
    assert refused.value.problem_mark is not None and refused.value.problem_mark.line + 1 == line
    assert says in str(refused.value.problem)


def test_an_anchor_without_an_alias_is_harmless() -> None:
    assert load_events("base: &b {x: 1}\n", 32) == {"base": {"x": 1}}


def test_the_event_builder_can_list_duplicate_keys_and_go_on() -> None:
    duplicates: list[Refused] = []
    data = load_events("a:\n  b: 1\n  b: 2\nc:\n  - x: 1\n    x: 3\n", 32, duplicates)
    assert data == {"a": {"b": 1}, "c": [{"x": 1}]}  # the first value: the problem says it is the one kept
    assert [(d.line, d.problem) for d in duplicates] == [
        (3, "a.b: duplicate key 'b' (first at line 2)"),
        (6, "c[0].x: duplicate key 'x' (first at line 5)"),
    ]
