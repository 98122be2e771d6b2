"""Lookup quality on learners' queries: top-1 per category and no-card queries, on lookup_queries.yaml (the
engine was tuned on its even half), on lookup_queries_dev.yaml (used while building the learner words) and
on lookup_queries_fresh.yaml (written before that work in other words; its misses were seen afterwards) and
on lookup_queries_unseen.yaml (written before the next round of work, measured only at its start and end):
their floors are what the engine reaches, the 95 % goal a strict xfail where it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup
from tests.conftest import ROOT


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(Path(__file__).with_name(name).read_text(encoding="utf-8"))
    return data


QUERIES = _load("lookup_queries.yaml")
EXPECTED = {cat: list(items.items()) for cat, items in QUERIES.items() if cat != "none"}
DEV = _load("lookup_queries_dev.yaml")
FRESH = _load("lookup_queries_fresh.yaml")
FRESH_EXPECTED = {cat: list(items.items()) for cat, items in FRESH.items() if cat != "none"}
# Top-1 reached on the fresh file (right answers per category; when it was written: names 20/20,
# abbreviations 10/16, typos 22/22, needs 38/70, order 14/16, analogies 7/8; then 13/16, 56/70, 14/16).
FRESH_FLOORS = {"names": 20, "abbreviations": 15, "typos": 22, "needs": 56, "order": 16, "analogies": 7}
UNSEEN = _load("lookup_queries_unseen.yaml")
UNSEEN_EXPECTED = {cat: list(items.items()) for cat, items in UNSEEN.items() if cat != "none"}
# Top-1 on the unseen file, measured once at the end (when written: names 24/24, abbreviations 7/20,
# typos 28/28, needs 53/87, order 15/19, analogies 5/10; no card for 18 of 24).
UNSEEN_FLOORS = {"names": 24, "abbreviations": 13, "typos": 28, "needs": 56, "order": 17, "analogies": 5}


def halves(items: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The tuned half (even positions) and the held-out half (odd positions)."""
    return items[0::2], items[1::2]


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    return Lookup(load_bank([ROOT / "questions"]))


def top1(lookup: Lookup, items: list[tuple[str, str]]) -> tuple[float, list[str]]:
    misses = []
    for query, want in items:
        hits = lookup.search(query, 3)
        if not hits or hits[0].entry.id != want:
            misses.append(f"{query!r}: want {want}, got {[h.entry.id for h in hits]}")
    return 1 - len(misses) / len(items), misses


def test_the_file_is_large_and_varied() -> None:
    assert sum(len(v) for v in EXPECTED.values()) >= 150 and len(QUERIES["none"]) >= 20
    assert {"names", "abbreviations", "typos", "needs", "order", "analogies"} <= EXPECTED.keys()


def test_every_expected_id_is_in_the_glossary(lookup: Lookup) -> None:
    missing = {want for items in EXPECTED.values() for _, want in items} - lookup.bank.glossary.keys()
    assert not missing


@pytest.mark.parametrize("category", sorted(EXPECTED))
def test_top1_per_category_at_least_95_percent(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, EXPECTED[category])
    assert rate >= 0.95, misses


def test_held_out_half_does_as_well_as_the_tuned_half(lookup: Lookup) -> None:
    tuned = [i for items in EXPECTED.values() for i in halves(items)[0]]
    held = [i for items in EXPECTED.values() for i in halves(items)[1]]
    rate_tuned, _ = top1(lookup, tuned)
    rate_held, misses = top1(lookup, held)
    assert rate_held >= 0.95 and rate_held >= rate_tuned - 0.03, misses


@pytest.mark.parametrize("query", QUERIES["none"])
def test_queries_outside_the_bank_get_no_card(lookup: Lookup, query: str) -> None:
    answer = lookup.answer(query)
    assert answer.hits == (), [h.entry.id for h in answer.hits]


def test_the_dev_set_stays_where_it_is(lookup: Lookup) -> None:
    items = [i for cat, v in DEV.items() if cat != "none" for i in v.items()]
    rate, misses = top1(lookup, items)
    assert rate >= 0.89, misses
    assert sum(1 for q in DEV["none"] if not lookup.answer(q).hits) >= 6


def test_the_fresh_file_is_large_and_varied() -> None:
    assert sum(len(v) for v in FRESH_EXPECTED.values()) >= 120 and len(FRESH["none"]) >= 15
    assert FRESH_EXPECTED.keys() == EXPECTED.keys() == FRESH_FLOORS.keys()


@pytest.mark.parametrize("category", sorted(FRESH_FLOORS))
def test_fresh_top1_per_category_holds_its_floor(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, FRESH_EXPECTED[category])
    assert round(rate * len(FRESH_EXPECTED[category])) >= FRESH_FLOORS[category], misses


@pytest.mark.parametrize(
    "category",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=f"fresh {c}: below 95 %"))
        if FRESH_FLOORS[c] < 0.95 * len(FRESH[c])
        else c
        for c in sorted(FRESH_FLOORS)
    ],
)
def test_fresh_top1_per_category_at_least_95_percent(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, FRESH_EXPECTED[category])
    assert rate >= 0.95, misses


@pytest.mark.parametrize("query", FRESH["none"])
def test_fresh_queries_outside_the_bank_get_no_card(lookup: Lookup, query: str) -> None:
    assert lookup.answer(query).hits == (), [h.entry.id for h in lookup.answer(query).hits]


def test_the_unseen_file_is_large_and_varied() -> None:
    assert sum(len(v) for v in UNSEEN_EXPECTED.values()) >= 120 and len(UNSEEN["none"]) >= 20
    assert UNSEEN_EXPECTED.keys() == EXPECTED.keys() == UNSEEN_FLOORS.keys()


@pytest.mark.parametrize("category", sorted(UNSEEN_FLOORS))
def test_unseen_top1_per_category_holds_its_floor(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, UNSEEN_EXPECTED[category])
    assert round(rate * len(UNSEEN_EXPECTED[category])) >= UNSEEN_FLOORS[category], misses


@pytest.mark.parametrize(
    "category",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=f"unseen {c}: below 95 %"))
        if UNSEEN_FLOORS[c] < 0.95 * len(UNSEEN[c])
        else c
        for c in sorted(UNSEEN_FLOORS)
    ],
)
def test_unseen_top1_per_category_at_least_95_percent(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, UNSEEN_EXPECTED[category])
    assert rate >= 0.95, misses


# Everyday phrases that still get a card through a word the bank uses (measured at the end: 2 of 24).
UNSEEN_NO_CARD_MISSES = {"best running shoes", "model airplane glue"}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="gets a card"))
        if q in UNSEEN_NO_CARD_MISSES
        else q
        for q in UNSEEN["none"]
    ],
)
def test_unseen_queries_outside_the_bank_get_no_card(lookup: Lookup, query: str) -> None:
    assert lookup.answer(query).hits == (), [h.entry.id for h in lookup.answer(query).hits]
