"""The lean bank loader gives exactly what PyYAML's safe loader gives, for bank files and odd YAML alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.yaml_loader import BankLoader

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
