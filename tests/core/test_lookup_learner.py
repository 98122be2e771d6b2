"""Learner words for lookup (bot/questions/lookup-words.yaml): equivalent words, lifecycle cues, validation,
and the nothing-fits rule for queries holding words the bank does not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.bank_loader import load_bank
from bot.core.errors import BankError
from bot.core.lookup import Lookup
from bot.core.lookup.words import WordMatch
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    return Lookup(load_bank([ROOT / "questions"]))


def first(lookup: Lookup, query: str) -> str | None:
    hits = lookup.search(query, 3)
    return hits[0].entry.id if hits else None


def test_the_shipped_table_loads_and_every_word_stems_into_one_group_only(lookup: Lookup) -> None:
    assert len(lookup.bank.lookup.same) >= 50 and len(lookup.bank.lookup.cues) >= 3
    assert lookup.words.learner.conflicts == []


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("run predictions on a big dataset overnight", "sagemaker-batch-transform"),  # inference, large
        ("dashboard for executives", "amazon-quicksight"),  # stakeholders
        ("bosses", "amazon-quicksight"),  # a word the bank lacks, read through its group
    ],
)
def test_a_learner_s_word_is_read_as_the_bank_s_word(lookup: Lookup, query: str, want: str) -> None:
    assert first(lookup, query) == want


def test_a_lifecycle_cue_puts_the_stage_s_entries_first(lookup: Lookup) -> None:
    before = [h.entry.id for h in lookup.answer("check data quality before training").hits]
    assert before[0] == "eda" and "sagemaker-data-wrangler" in before[:2]
    assert "sagemaker-model-monitor" not in before[:3]  # it watches data quality in production
    assert first(lookup, "check data quality in production") == "sagemaker-model-monitor"


def test_an_unknown_word_does_not_let_equivalents_alone_make_a_card(lookup: Lookup) -> None:
    # "segment" and "customers" are the bank's words only through the table: with an unknown word beside
    # them that is a guess, and no card; typed as the bank says it, it is one.
    assert lookup.answer("flurbo cohorts of shoppers").hits == ()
    assert first(lookup, "segments of customers") == "unsupervised-learning"


def test_known_words_pointing_clearly_at_one_entry_fit_despite_unknown_words() -> None:
    clear = WordMatch(6.0, 0.3, held=2, known=0.9, unknown=2, typed=2)
    assert Lookup._clear(["a", "b"], {"a": clear, "b": WordMatch(3.0, 0.3)}) == "a"
    assert Lookup._clear(["a", "b"], {"a": clear, "b": WordMatch(5.0, 0.3)}) is None  # no clear lead
    many = WordMatch(6.0, 0.3, held=2, known=0.9, unknown=3, typed=2)  # more unknown words than known
    assert Lookup._clear(["a"], {"a": many}) is None


def test_the_loader_reports_a_word_in_two_groups_and_a_cue_naming_no_stage(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    for f in ("glossary.yaml", "01-problem-definition.yaml"):
        (bank / f).write_text((ROOT / "questions" / f).read_text(encoding="utf-8"), encoding="utf-8")
    words = bank / "lookup-words.yaml"
    words.write_text(
        "lookup:\n  same:\n    - [big, large]\n    - [huge, Large]\n"
        "  cues:\n    - words: [before training]\n      stages: [eda, amazon-s3]\n",
        encoding="utf-8",
    )
    with pytest.raises(BankError) as failed:
        load_bank([bank])
    text = "\n".join(failed.value.problems)
    assert f"{words}:4: lookup.same[1][1]: 'large' also at {words}:3" in text
    assert f"{words}:7: lookup.cues[0].stages[1]: 'amazon-s3' is a service, not a stage" in text


@pytest.mark.parametrize(
    "query", ["aws step functions state machine", "ECS Fargate", "how do I set up a load balancer"]
)
def test_a_product_outside_the_bank_gets_no_card_as_not_covered(lookup: Lookup, query: str) -> None:
    answer = lookup.answer(query)
    assert answer.hits == () and not answer.covered


def test_an_outside_product_beside_a_glossary_name_leaves_the_name_s_card(lookup: Lookup) -> None:
    assert first(lookup, "call a sagemaker endpoint from lambda") == "sagemaker-endpoints"


def test_filler_words_and_paired_letters(lookup: Lookup) -> None:
    assert first(lookup, "BI tool") == "amazon-quicksight"  # "tool" says nothing
    assert first(lookup, "F-1") == "f1-score"  # "f 1" is "f1"


def test_asking_what_it_is_gives_the_stage_doing_gives_the_service(lookup: Lookup) -> None:
    assert first(lookup, "the phase where the model is hosted for real time predictions") == "deployment"
    assert first(lookup, "host the model for real time predictions") == "sagemaker-endpoints"
    assert first(lookup, "the stage where images get labeled by people") == "data-labeling"
    assert first(lookup, "get images labeled by people") == "sagemaker-ground-truth"


def test_the_loader_reports_an_outside_term_naming_a_glossary_entry(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    for f in ("glossary.yaml", "01-problem-definition.yaml"):
        (bank / f).write_text((ROOT / "questions" / f).read_text(encoding="utf-8"), encoding="utf-8")
    words = bank / "lookup-words.yaml"
    words.write_text("lookup:\n  filler: [please]\n  outside: [kafka, Amazon S3, Please]\n", encoding="utf-8")
    with pytest.raises(BankError) as failed:
        load_bank([bank])
    text = "\n".join(failed.value.problems)
    assert f"{words}:3: lookup.outside[1]: 'Amazon S3' names the glossary entry 'amazon-s3'" in text
    assert f"{words}:3: lookup.outside[2]: 'please' also at {words}:2" in text
