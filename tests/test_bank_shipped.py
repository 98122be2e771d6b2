"""The shipped bank in questions/: loads, covers every stage, service and concept, and reads like the exam."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from rapidfuzz import fuzz, process

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.bank_schema import Kind
from bot.core.coverage import MAX_LETTER_SHARE, coverage
from tests.conftest import ROOT

QUESTIONS = ROOT / "questions"
# The question files: every bank file but the glossary and lookup's learner-word table (no questions there).
FILES = sorted(
    p.name for p in QUESTIONS.glob("*.yaml") if p.name not in ("glossary.yaml", "lookup-words.yaml")
)
assert len(FILES) >= 16, FILES

# Everything the source notes name (issue 2), by glossary id and kind.
REQUIRED = {
    Kind.STAGE: "problem-definition data-collection eda data-preparation data-labeling feature-engineering "
    "algorithm-selection training hyperparameter-tuning evaluation deployment monitoring retraining",
    Kind.SERVICE: "amazon-s3 aws-glue aws-glue-databrew amazon-sagemaker sagemaker-data-wrangler "
    "sagemaker-processing sagemaker-feature-store sagemaker-training sagemaker-automatic-model-tuning "
    "sagemaker-clarify sagemaker-endpoints sagemaker-batch-transform sagemaker-model-monitor "
    "sagemaker-jumpstart sagemaker-studio sagemaker-experiments sagemaker-pipelines amazon-ec2 amazon-a2i "
    "amazon-quicksight sagemaker-ground-truth",
    Kind.CONCEPT: "data-drift concept-drift inference supervised-learning unsupervised-learning",
    Kind.METRIC: "technical-metrics business-metrics accuracy f1-score auc cost-per-user development-cost "
    "customer-feedback roi",
    Kind.MODEL_SOURCE: "pretrained-models custom-models",
    Kind.PRODUCTION_METHOD: "managed-api self-hosted-api",
    Kind.MLOPS: "experimentation repeatable-processes scalable-systems technical-debt production-readiness "
    "monitoring-and-retraining",
}


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([QUESTIONS])


@pytest.mark.parametrize("name", FILES)
def test_each_file_loads_with_the_glossary(name: str) -> None:
    loaded = load_bank([QUESTIONS / "glossary.yaml", QUESTIONS / name])
    assert loaded.questions


def test_glossary_has_every_required_entry_with_aliases(bank: Bank) -> None:
    for kind, ids in REQUIRED.items():
        for entry_id in ids.split():
            entry = bank.glossary.get(entry_id)
            assert entry is not None, f"glossary lacks {entry_id}"
            assert entry.kind is kind, entry_id
            assert entry.aliases, f"{entry_id} has no aliases"
    for entry in bank.entries(Kind.SERVICE):
        assert entry.docs is not None and entry.stages, entry.id


def test_size_and_no_coverage_gaps(bank: Bank) -> None:
    assert len(bank.questions) >= 220
    assert coverage(bank).gaps == []


def test_style_and_difficulty_mix(bank: Bank) -> None:
    qs = list(bank.questions.values())
    scenario = sum(q.style.value == "scenario" for q in qs) / len(qs)
    assert scenario >= 0.40
    share = Counter(q.difficulty.value for q in qs)
    assert 0.30 <= share["easy"] / len(qs) <= 0.50
    assert 0.30 <= share["medium"] / len(qs) <= 0.50
    assert 0.12 <= share["hard"] / len(qs) <= 0.28


def test_answer_letters_stay_balanced_and_length_gives_nothing_away(bank: Bank) -> None:
    qs = list(bank.questions.values())
    letters = Counter(q.answer_index for q in qs)
    assert max(letters.values()) / len(qs) <= MAX_LETTER_SHARE
    longest = sum(
        len(q.options[q.answer_index].text)
        > max(len(o.text) for i, o in enumerate(q.options) if i != q.answer_index)
        for q in qs
    )
    assert longest / len(qs) <= 0.35


def test_no_mis_encoded_text() -> None:
    mojibake = re.compile(r"â€|Ã[\x80-\xbf©]|ðŸ|\ufffd")
    for path in QUESTIONS.glob("*.yaml"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not mojibake.search(line), f"{path.name}:{number}: {line.strip()}"


def test_no_two_prompts_are_near_duplicates(bank: Bank) -> None:
    qs = list(bank.questions.values())
    prompts = [q.prompt.lower() for q in qs]
    pairs = [
        (qs[i].id, qs[j].id, int(score))
        for i, prompt in enumerate(prompts)
        for _, score, j in process.extract(
            prompt, prompts, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=None
        )
        if j > i
    ]
    assert pairs == []


def test_explanations_of_corrected_notes_say_so(bank: Bank) -> None:
    a2i = bank.glossary["amazon-a2i"]
    assert a2i.note and "Ground Truth" in a2i.note
    labeled = [q for q in bank.questions.values() if q.answer_ref == "sagemaker-ground-truth"]
    assert any("A2I" in q.explanation for q in labeled)
    drift = [q for q in bank.questions.values() if q.answer_ref == "sagemaker-model-monitor"]
    assert any("A2I" in q.explanation for q in drift)
