"""Lookup over the shipped glossary: names, abbreviations, typos and plain-language descriptions."""

from __future__ import annotations

import pytest

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    return Lookup(load_bank([ROOT / "questions"]))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("A2I", "amazon-a2i"),
        ("amt", "sagemaker-automatic-model-tuning"),
        ("EDA", "eda"),
        ("S3", "amazon-s3"),
        ("F1", "f1-score"),
        ("sagmaker clarfy", "sagemaker-clarify"),
        ("grund truth", "sagemaker-ground-truth"),
        ("data wrang", "sagemaker-data-wrangler"),
        ("Amazon SageMaker Model Monitor", "sagemaker-model-monitor"),
        ("model drift", "concept-drift"),
        ("detect bias in my model", "sagemaker-clarify"),
        ("human review of predictions", "amazon-a2i"),
        ("store features for reuse", "sagemaker-feature-store"),
    ],
)
def test_best_match_first(lookup: Lookup, query: str, expected: str) -> None:
    hits = lookup.search(query, 3)
    assert hits and hits[0].entry.id == expected, [h.entry.id for h in hits]


def test_description_beats_a_name_hidden_in_it(lookup: Lookup) -> None:
    top3 = [h.entry.id for h in lookup.search("label training data", 3)]
    assert "training" not in top3 and {"data-labeling", "sagemaker-ground-truth"} <= set(top3)


def test_nonsense_finds_nothing_and_results_carry_counts(lookup: Lookup) -> None:
    assert lookup.search("xyzzy plugh") == []
    assert lookup.search("   ") == []
    (hit,) = lookup.search("Clarify", 1)
    assert hit.questions == lookup.bank.question_counts["sagemaker-clarify"] > 0
    assert "evaluation" in hit.stages


def test_stage_hits_list_the_services_that_serve_them(lookup: Lookup) -> None:
    (hit,) = lookup.search("data labeling", 1)
    assert hit.entry.id == "data-labeling" and "sagemaker-ground-truth" in hit.services


def test_complete_offers_stages_in_order_when_empty(lookup: Lookup, mini_bank: Bank) -> None:
    first = [e.id for e in lookup.complete("", 3)]
    assert first == [e.id for e in lookup.bank.stages()[:3]]
    assert lookup.complete("clar", 1)[0].id == "sagemaker-clarify"
