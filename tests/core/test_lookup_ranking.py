"""How lookup weighs its evidence: by field, words named in passing, word forms, services and close pairs."""

from __future__ import annotations

import pytest

from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup
from bot.core.lookup.evidence import Evidence, Field, documents
from bot.core.lookup.names import clean
from bot.core.lookup.words import WordIndex
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def lookup() -> Lookup:
    return Lookup(load_bank([ROOT / "questions"]))


@pytest.fixture(scope="module")
def words() -> WordIndex:
    return WordIndex(
        [
            Evidence("glue", Field.NAMES, "AWS Glue serverless ETL"),
            Evidence("glue", Field.CARD, "Extract, transform and load data, with a catalog of tables."),
            Evidence("glue", Field.QUESTIONS, "Engines such as Redshift Spectrum query the catalog."),
            Evidence("glue", Field.QUESTIONS, "A crawler fills the catalog of the data lake."),
            Evidence("ec2", Field.NAMES, "Amazon EC2 virtual servers with a GPU"),
            Evidence("ec2", Field.CARD, "Compute you manage yourself."),
            Evidence("s3", Field.NAMES, "Amazon S3 object storage"),
            Evidence("s3", Field.CARD, "Durable storage."),
            Evidence("s3", Field.QUESTIONS, "Keep the catalog export in a bucket."),
            Evidence("s3", Field.QUESTIONS, "A versioned catalog export in a bucket."),
            # the same words in different fields of three entries
            Evidence("named", Field.NAMES, "lake house"),
            Evidence("defined", Field.CARD, "lake house"),
            Evidence("asked", Field.QUESTIONS, "lake house"),
            Evidence("asked", Field.QUESTIONS, "lake house"),
        ]
    )


def test_a_word_named_in_one_question_only_is_no_evidence(words: WordIndex) -> None:
    assert words.match("redshift spectrum") == {}
    assert words.unknown("redshift spectrum crawler") == ["redshift", "spectrum", "crawler"]
    assert {"glue", "s3"} <= words.match("catalog").keys()  # two questions each: evidence


def test_names_weigh_most_then_the_card_then_the_questions(words: WordIndex) -> None:
    found = words.match("lake house")
    assert found["named"].score > found["defined"].score > found["asked"].score > 0
    catalog = words.match("catalog")
    assert catalog["glue"].score > catalog["s3"].score  # its card too, not only its questions


def test_another_form_of_a_known_word_is_read_as_that_word_another_word_is_not(words: WordIndex) -> None:
    assert "ec2" in words.match("gpus") and words.unknown("gpus") == []
    assert words.unknown("storm") == ["storm"]  # close to "storag" but not a form of it


def test_coverage_counts_the_query_words_an_entry_holds(words: WordIndex) -> None:
    found = words.match("gpu servers for terraform")
    assert found["ec2"].held == 2 and 0 < found["ec2"].coverage < 1
    assert words.match("gpu servers")["ec2"].coverage == pytest.approx(1.0)


def test_one_word_in_common_with_a_longer_query_is_no_card(lookup: Lookup) -> None:
    assert lookup.search("layers", 1)  # a one-word query the bank knows
    answer = lookup.answer("photoshop layers")
    assert answer.hits == () and not answer.covered


def test_labeling_people_s_data_shows_ground_truth_and_its_stage_with_the_note_about_a2i(
    lookup: Lookup,
) -> None:
    answer = lookup.answer("labeling people's data")
    assert answer.cards == 2 and answer.hits[0].entry.id == "sagemaker-ground-truth"
    assert answer.hits[1].entry.id == "data-labeling"
    assert "A2I" in answer.note and "Ground Truth" in answer.note


def test_a_need_that_words_rank_under_its_stage_shows_the_stage_s_service_first(lookup: Lookup) -> None:
    query = "keep an eye on prediction quality after launch"
    by_words = lookup.words.match(clean(query))
    assert by_words["monitoring"].score > by_words["sagemaker-model-monitor"].score
    answer = lookup.answer(query)
    assert [h.entry.id for h in answer.hits[:2]] == ["sagemaker-model-monitor", "monitoring"]
    assert answer.cards == 2


def test_an_analogy_s_title_is_a_name_of_its_entry(lookup: Lookup) -> None:
    names = {d.entry: d.text for d in documents(lookup.bank) if d.field is Field.NAMES}
    assert "The Supervisor" in names["amazon-a2i"] and "The Data Plumber" in names["aws-glue"]
    assert lookup.search("the supervisor", 1)[0].entry.id == "amazon-a2i"
