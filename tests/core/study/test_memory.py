"""FSRS memory: our plain-value state equals what the `fsrs` package computes for the same answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from fsrs import Card, Rating, Scheduler

from bot.core.study.memory import Memory, due_first, recall, review

DAY = 86_400.0
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _reference(answers: list[tuple[float, bool]]) -> Card:
    scheduler = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    card = Card(due=datetime.fromtimestamp(answers[0][0], UTC))
    for at, correct in answers:
        card, _ = scheduler.review_card(
            card, Rating.Good if correct else Rating.Again, datetime.fromtimestamp(at, UTC)
        )
    return card


@pytest.mark.parametrize("seed", range(5))
def test_state_after_scripted_answers_equals_the_package(seed: int) -> None:
    rng = random.Random(seed)
    at, answers = T0, []
    for _ in range(12):
        at += rng.choice([60, 600, 3600, DAY, 3 * DAY, 9 * DAY])
        answers.append((at, rng.random() < 0.7))
    memory = None
    for when, correct in answers:
        memory = review(memory, "ev-001", correct, when)
    assert memory is not None
    card = _reference(answers)
    assert memory.state == card.state.value and memory.step == card.step
    assert memory.stability == pytest.approx(card.stability) and memory.difficulty == pytest.approx(
        card.difficulty
    )
    assert memory.due == pytest.approx(card.due.timestamp())
    assert memory.reviews == 12 and memory.lapses == sum(not c for _, c in answers)
    later = datetime.fromtimestamp(at + 5 * DAY, UTC)
    expected = Scheduler(enable_fuzzing=False).get_card_retrievability(card, later)
    assert recall(memory, at + 5 * DAY) == pytest.approx(expected)


def test_a_wrong_answer_comes_back_sooner_than_a_right_one() -> None:
    right = review(None, "q", True, T0)
    wrong = review(None, "q", False, T0)
    assert wrong.due < right.due and wrong.missed_last and not right.missed_last
    again = review(review(right, "q", True, T0 + 2 * DAY), "q", True, T0 + 10 * DAY)
    assert again.due - (T0 + 10 * DAY) > DAY  # a well-known card waits days, not minutes


def test_due_first_puts_missed_questions_first_then_the_most_overdue() -> None:
    def mem(qid: str, due: float, lapses: int, state: int) -> Memory:
        return Memory(qid, state, None, 1.0, 5.0, due, T0 - DAY, reviews=2, lapses=lapses)

    memories = [
        mem("a", T0 - 10, 0, 2),
        mem("b", T0 - 100, 0, 2),
        mem("c", T0 - 5, 1, 3),  # missed last time (relearning)
        mem("d", T0 + 100, 1, 3),  # missed but not yet due
    ]
    assert [m.question_id for m in due_first(memories, T0, 10)] == ["c", "b", "a"]
    assert [m.question_id for m in due_first(memories, T0, 2)] == ["c", "b"]


def test_a_review_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    # The package sleeps a millisecond for each card it numbers by the clock: 1.2 ms a review, which made
    # folding a day of channel answers into memories take minutes.
    def refuse(_: float) -> None:
        raise AssertionError("slept")

    monkeypatch.setattr("time.sleep", refuse)
    memory = review(None, "q", True, T0)
    assert review(memory, "q", False, T0 + DAY).reviews == 2
