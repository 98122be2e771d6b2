"""Lookup quality on learners' queries (tests/core/lookup_queries.yaml): top-1 per category, no-card queries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup
from tests.conftest import ROOT

QUERIES = yaml.safe_load((Path(__file__).with_name("lookup_queries.yaml")).read_text(encoding="utf-8"))
EXPECTED = {cat: list(items.items()) for cat, items in QUERIES.items() if cat != "none"}


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


# Measured floors today (a regression fails); the 95 % goal below is not yet met for it.
FLOORS = {"needs": 0.78}
NOT_YET_95 = pytest.mark.xfail(
    strict=True, reason="below the 95 % goal today (see FLOORS); strict: a pass fails"
)


@pytest.mark.parametrize("category", sorted(EXPECTED))
def test_top1_per_category_stays_above_its_floor(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, EXPECTED[category])
    assert rate >= FLOORS.get(category, 0.95), misses


@pytest.mark.parametrize(
    "category", [pytest.param(c, marks=NOT_YET_95) if c in FLOORS else c for c in sorted(EXPECTED)]
)
def test_top1_per_category_at_least_95_percent(lookup: Lookup, category: str) -> None:
    rate, misses = top1(lookup, EXPECTED[category])
    assert rate >= 0.95, misses


@NOT_YET_95
def test_held_out_half_does_as_well_as_the_tuned_half(lookup: Lookup) -> None:
    tuned = [i for items in EXPECTED.values() for i in halves(items)[0]]
    held = [i for items in EXPECTED.values() for i in halves(items)[1]]
    rate_tuned, _ = top1(lookup, tuned)
    rate_held, misses = top1(lookup, held)
    assert rate_held >= 0.95 and rate_held >= rate_tuned - 0.03, misses


NOT_YET_NONE = {
    "aws lambda cold start",
    "amazon redshift spectrum",
    "aws billing invoice",
    "terraform state file",
}  # named in passing


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="the bank names it in passing"))
        if q in NOT_YET_NONE
        else q
        for q in QUERIES["none"]
    ],
)
def test_queries_outside_the_bank_get_no_card(lookup: Lookup, query: str) -> None:
    answer = lookup.answer(query)
    assert answer.hits == (), [h.entry.id for h in answer.hits]
