"""Lookup over the shipped glossary: names, abbreviations, typos and plain-language descriptions."""

from __future__ import annotations

import subprocess
import sys

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
    assert top3[0] in {"data-labeling", "sagemaker-ground-truth"}


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


def test_nothing_fits_gives_no_card_but_close_names(lookup: Lookup) -> None:
    answer = lookup.answer("cloudfrnt")
    assert answer.hits == () and "Amazon CloudWatch" in answer.suggestions


def test_terms_outside_the_bank_are_not_covered(lookup: Lookup) -> None:
    answer = lookup.answer("kubernetes pods")
    assert answer.hits == () and not answer.covered
    assert lookup.answer("Clarify").covered


def test_order_questions_follow_the_lifecycle_graph(lookup: Lookup) -> None:
    stages = lookup.bank.stages()
    after = lookup.answer("what comes after deploying the model")
    assert after.hits[0].entry.id == "monitoring" and "Model deployment" in after.note
    before = lookup.answer(f"what comes before {stages[5].name}")
    assert before.hits[0].entry.id == stages[4].id
    assert lookup.answer("what is the first step").hits[0].entry.id == stages[0].id
    loop = lookup.answer("where does the loop go back after retraining")
    assert [h.entry.id for h in loop.hits] == list(lookup.bank.glossary["retraining"].loops_to)


def test_which_stage_a_service_serves_is_a_stage_card_noting_the_service(lookup: Lookup) -> None:
    answer = lookup.answer("which stage is clarify used in")
    assert answer.hits[0].entry.kind.value == "stage" and "Clarify" in answer.note
    assert {h.entry.id for h in answer.hits} <= set(lookup.bank.glossary["sagemaker-clarify"].stages)


def test_a_need_described_in_a_scenario_finds_the_answer_of_that_scenario(lookup: Lookup) -> None:
    # Batch Transform's own card never says "overnight": the bank's scenarios are the evidence.
    assert lookup.search("run inference on a large dataset overnight", 1)[0].entry.id == (
        "sagemaker-batch-transform"
    )


def test_the_search_library_loads_on_the_first_lookup_only() -> None:
    code = (
        "import sys; from bot.core.bank_loader import load_bank; from bot.core.lookup import Lookup; "
        f"lk = Lookup(load_bank([{str(ROOT / 'questions')!r}])); assert 'bm25s' not in sys.modules; "
        "lk.search('clarify'); assert 'bm25s' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
