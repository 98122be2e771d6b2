"""Accuracy by service credits the service a question is about, not every service it tags."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.boards import player_stats
from bot.core.records import AnswerFact
from bot.core.service import QuizService
from bot.core.stats import accuracy_by
from bot.storage import SqliteStore
from tests.conftest import FIXTURE_BANK, Clock, RecordingChat

GLOSSARY = (FIXTURE_BANK / "mini.yaml").read_text().split("questions:")[0]
SERVICES = {
    "aws-glue": ("AWS Glue", "eda"),
    "aws-glue-databrew": ("AWS Glue DataBrew", "eda"),
    "sagemaker-feature-store": ("Amazon SageMaker Feature Store", "eda"),
    "sagemaker-pipelines": ("Amazon SageMaker Pipelines", "training"),
    "sagemaker-processing": ("Amazon SageMaker Processing", "eda"),
    "amazon-s3": ("Amazon S3", "training"),
    "sagemaker-clarify": ("Amazon SageMaker Clarify", "monitoring"),
}
EXTRA = "".join(
    f"  - id: {key}\n    kind: service\n    name: {name}\n    definition: A service for the stats tests.\n"
    f"    stages: [{stage}]\n"
    for key, (name, stage) in SERVICES.items()
)


def question(qid: str, stage: str, services: list[str], answer_ref: str | None) -> str:
    ref = f"    answer_ref: {answer_ref}\n" if answer_ref else ""
    return f"""  - id: {qid}
    stage: {stage}
    services: [{", ".join(services)}]
{ref}    difficulty: easy
    prompt: A question for the stats tests, number {qid}?
    options:
      - text: The right one
        correct: true
      - text: The wrong one
        why: It is not right.
    explanation: Only the first option is right.
"""


# One question per stage, so asking by stage asks it. Data Wrangler is the answer; the other five services
# are what its wrong options would name (the shipped bank tags them the same way).
WRANGLER = question(
    "q-wrangler",
    "eda",
    [
        "sagemaker-data-wrangler",
        "aws-glue",
        "aws-glue-databrew",
        "sagemaker-feature-store",
        "sagemaker-pipelines",
        "sagemaker-processing",
    ],
    "sagemaker-data-wrangler",
)
INPUTS = question("q-inputs", "training", ["sagemaker-training", "amazon-s3"], None)  # about both
DRIFT = question("q-drift", "monitoring", ["sagemaker-model-monitor", "sagemaker-clarify"], "data-drift")


@pytest.fixture
def bank(tmp_path: Path) -> Bank:
    path = tmp_path / "bank.yaml"
    path.write_text(GLOSSARY + EXTRA + "questions:\n" + WRANGLER + INPUTS + DRIFT, encoding="utf-8")
    return load_bank([path])


@pytest.fixture
async def quiz(
    bank: Bank, store: SqliteStore, chat: RecordingChat, clock: Clock
) -> AsyncIterator[QuizService]:
    writer = store.answer_writer()
    svc = QuizService(
        bank=bank, store=store, writer=writer, chat=chat, platform="test", clock=clock, rng=random.Random(7)
    )
    yield svc
    await svc.stop()
    await writer.close()


async def test_a_right_data_wrangler_answer_counts_for_data_wrangler_only(
    quiz: QuizService, clock: Clock, db_path: Path, backend: str
) -> None:
    channel = await quiz.channel("g1", "c1")
    for stage, right in (("eda", True), ("training", False), ("monitoring", True)):
        rnd = await quiz.ask(channel, stage=stage)
        assert rnd.message_ref is not None
        quiz.answer(rnd.message_ref, "u1", "Ann", 0 if right else 1)
        await quiz.close_round(rnd.id)
    assert backend != "sqlite" or db_path.exists()
    view = await player_stats(quiz.store, quiz.bank, channel.community_id, "Ann", clock.now)
    assert [(a.key, a.correct, a.answered) for a in view.by_service] == [
        ("amazon-s3", 0, 1),  # no service answer: every service it tags
        ("sagemaker-clarify", 1, 1),  # the answer is a concept (data drift): its tagged services
        ("sagemaker-data-wrangler", 1, 1),  # the answer: and not Glue, DataBrew, Feature Store, ...
        ("sagemaker-model-monitor", 1, 1),
        ("sagemaker-training", 0, 1),
    ]
    assert [(a.key, a.correct, a.answered) for a in view.by_stage] == [
        ("eda", 1, 1),
        ("training", 0, 1),
        ("monitoring", 1, 1),
    ]


def test_an_answer_ref_that_is_a_service_is_credited_even_when_not_tagged(bank: Bank) -> None:
    facts = [
        AnswerFact("eda", ("aws-glue",), True, "sagemaker-data-wrangler"),
        AnswerFact("eda", ("aws-glue",), False, None),
        AnswerFact("eda", (), False, "data-drift"),
    ]
    _, services = accuracy_by(facts, bank)
    assert [(a.key, a.correct, a.answered) for a in services] == [
        ("aws-glue", 0, 1),
        ("sagemaker-data-wrangler", 1, 1),
    ]
