"""What a learner notices after weeks of daily questions: near-duplicates, absolute words, echoes, stale distractors."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.bank_schema import Kind, Question
from tests.bank.similarity import same_key_scores
from tests.conftest import ROOT

# Same-key pairs whose teaching (key's why + explanation, TF-IDF cosine, see similarity.py) is this close. Calibrated
# on the bank before the rewrites (470b8d8) against review #7's clusters: its 34 same-key pairs scored 0.25-0.65
# against 0.00-0.70 for the 322 other same-key pairs (AUC 0.89; prompt + key text, as before, 0.60, near chance).
# At 0.60 it catches 4 of those pairs (dep-008/ops-015, ev-001/ev-009, lc-010/mon-013, dep-014/mon-019) and 2 others
# (mon-001 with mon-002 and mon-003, the first a real cluster too); at 0.50 it would catch 12 but also 25 pairs of
# today's bank. Lexical similarity finds the copied explanation, not the same fact asked in new words.
NEAR_DUPLICATE = 0.60
DELIBERATE_PAIRS = {
    frozenset(
        {"mon-001", "mon-003"}
    ),  # Model Monitor's four types vs feature attribution drift: same type list
    frozenset(
        {"ms-010", "tr-008"}
    ),  # managed MLflow in current Studio vs an audit trail; shared Studio caveat
}
ABSOLUTE = re.compile(r"\b(always|never)\b", re.I)
STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the of to in on for and or with by from its it is are be as at this that each which what",
    )
)
# Keys repeating a two-word phrase of their prompt that no wrong option uses (15 before the rewrite, 2 now). Both
# left are a service name the scenario must state: dc-002 "Amazon S3 data lake" read as "amazon data" against
# "Amazon Data Firehose"; dp-013 a team working "in the AWS Glue console", key "AWS Glue DataBrew".
ECHO_BUDGET = 2
# Wrong-option appearances per keyed question. Model Monitor was 9.0 (63/7) in review #7 and 8.3 (58/7) before the
# rebalance; now the highest are A2I (30/6) and Amazon SageMaker (25/5) at 5.0, Batch Transform 4.8 (24/5).
DISTRACTOR_PER_KEY = 5.0


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank([ROOT / "questions"])


def near_duplicates(qs: list[Question]) -> list[tuple[str, str, float]]:
    return sorted(
        (a, b, round(score, 2))
        for (a, b), score in same_key_scores(qs).items()
        if score >= NEAR_DUPLICATE and frozenset({a, b}) not in DELIBERATE_PAIRS
    )


def test_same_key_questions_are_not_near_duplicates(bank: Bank) -> None:
    assert near_duplicates(list(bank.questions.values())) == []


def test_the_near_duplicate_check_catches_a_paraphrase(bank: Bank) -> None:
    """Another scenario with the same key, taught in other words, is found; a different fact is not."""
    q = bank.questions["dep-002"]
    key = q.options[q.answer_index].model_copy(
        update={
            "why": "A transform job scores the whole S3 dataset offline, stores the output in S3 and stops."
        }
    )
    options = [key if o.correct else o for o in q.options]
    paraphrase = q.model_copy(
        update={
            "id": "dep-999",
            "prompt": "Each quarter a utility must forecast usage for its 8 million meters overnight. Which option?",
            "options": options,
            "explanation": "A large dataset, a fixed schedule and no need for an immediate answer point to batch inference: "
            "Batch Transform provisions compute for the job, scores every record and shuts down, so you pay "
            "only while it runs.",
        }
    )
    qs = list(bank.questions.values())
    assert [(a, b) for a, b, _ in near_duplicates([*qs, paraphrase])] == [("dep-002", "dep-999")]
    scores = same_key_scores([*qs, paraphrase])
    print(
        f"paraphrase {scores[('dep-002', 'dep-999')]:.2f}; dep-016 (Batch Transform, another fact) "
        f"{scores[('dep-016', 'dep-999')]:.2f}"
    )
    assert (
        scores[("dep-016", "dep-999")] < NEAR_DUPLICATE
    )  # also keys Batch Transform: instance count, not batch


def absolute_only_in_distractors(qs: list[Question]) -> list[str]:
    keys = sum(bool(ABSOLUTE.search(q.options[q.answer_index].text)) for q in qs)
    wrong = [
        q.id for q in qs for i, o in enumerate(q.options) if i != q.answer_index and ABSOLUTE.search(o.text)
    ]
    return wrong if len(wrong) > keys else []


def test_always_and_never_do_not_mark_the_wrong_options(bank: Bank) -> None:
    assert absolute_only_in_distractors(list(bank.questions.values())) == []


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 2]


def echoes(q: Question) -> set[str]:
    """Two-word phrases the key shares with the prompt that no wrong option also uses."""

    def pairs(text: str) -> set[str]:
        w = words(text)
        return {f"{x} {y}" for x, y in itertools.pairwise(w)}

    wrong = set().union(*(pairs(o.text) for i, o in enumerate(q.options) if i != q.answer_index))
    return (pairs(q.options[q.answer_index].text) & pairs(q.prompt)) - wrong


def test_keys_that_echo_their_prompt_are_reported(bank: Bank) -> None:
    found = {q.id: sorted(echoes(q)) for q in bank.questions.values() if echoes(q)}
    assert len(found) <= ECHO_BUDGET, f"keys repeating their prompt's wording: {found}"


def distractor_ratios(bank: Bank) -> dict[str, float]:
    keyed = bank.answer_counts()
    offered: Counter[str] = Counter()
    for entry in bank.entries(Kind.SERVICE):
        names = [entry.name, *(a for a in entry.aliases if a[0].isupper() and len(a) > 3)]
        # "Amazon SageMaker" must not count inside "Amazon SageMaker Clarify"
        pattern = re.compile("|".join(re.escape(n) + r"(?![ -][A-Z])" for n in names))
        for q in bank.questions.values():
            if any(pattern.search(o.text) for i, o in enumerate(q.options) if i != q.answer_index):
                offered[entry.id] += 1
    return {k: n / max(keyed.get(k, 0), 1) for k, n in offered.items()}


def test_no_service_is_mostly_a_decoy(bank: Bank) -> None:
    ratios = distractor_ratios(bank)
    decoys = {k: round(r, 1) for k, r in ratios.items() if r > DISTRACTOR_PER_KEY}
    assert decoys == {}, f"wrong option far more often than key (per keyed question): {decoys}"
