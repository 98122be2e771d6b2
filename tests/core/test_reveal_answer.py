"""The reveal carries the answer's glossary entry, so every platform can link its lookup card and AWS docs."""

from __future__ import annotations

from bot.core.bank import Bank
from bot.core.service import QuizService
from tests.conftest import RecordingChat


def test_the_answer_entry_is_the_answer_ref_or_the_stage_a_which_stage_answer_names(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    assert q.answer_ref is not None and mini_bank.answer_entry(q) is mini_bank.glossary[q.answer_ref]
    stage = mini_bank.glossary["training"]
    texts = ("EDA", stage.name.upper(), "x")
    options = [o.model_copy(update={"text": t}) for o, t in zip(q.options, texts, strict=True)]
    which_stage = q.model_copy(update={"answer_ref": None, "options": options})
    assert mini_bank.answer_entry(which_stage) is stage  # named as the stage is, in any case
    plain = which_stage.model_copy(update={"options": [o.model_copy(update={"text": "y"}) for o in options]})
    assert mini_bank.answer_entry(plain) is None


async def test_the_service_puts_the_answer_entry_in_the_reveal(
    service: QuizService, chat: RecordingChat
) -> None:
    channel = await service.channel("g1", "c1")
    rnd = await service.ask(channel, stage="monitoring", window=60)  # both its questions have an answer_ref
    assert await service.close_round(rnd.id)
    (reveal,) = chat.reveals
    assert (
        rnd.question.answer_ref is not None
        and reveal.answer is service.bank.glossary[rnd.question.answer_ref]
    )
