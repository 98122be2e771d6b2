"""Each person's memory of each question, scheduled by FSRS (the `fsrs` package; no scheduler of our own).

Every answer a person gives is one review of that question's card: right is rated Good, wrong is Again.
The card's state is kept as plain values (`Memory`), so storage needs no FSRS types and the maths stays in
the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler, State

# One scheduler for everyone: the package's default parameters, 90 % desired retention, and no fuzz, so the
# same answers always give the same schedule (fuzz only spreads the due times of large decks).
SCHEDULER = Scheduler(desired_retention=0.9, enable_fuzzing=False)


@dataclass(frozen=True)
class Memory:
    """One person's memory of one question: the FSRS card as plain values, times in epoch seconds."""

    question_id: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: float
    last_review: float | None
    reviews: int = 0
    lapses: int = 0  # wrong answers

    @property
    def missed_last(self) -> bool:
        """True when the latest answer was wrong (the card is back in learning or relearning)."""
        return self.lapses > 0 and self.state != State.Review.value


# The package numbers a new card by the clock and sleeps a millisecond to keep the numbers apart; ours are
# keyed by (person, question) in storage, so every card gets the same number and nothing sleeps.
_CARD_ID = 1


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def to_card(memory: Memory) -> Card:
    """The package's card for a stored memory."""
    return Card(
        card_id=_CARD_ID,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due),
        last_review=None if memory.last_review is None else _utc(memory.last_review),
    )


def review(memory: Memory | None, question_id: str, correct: bool, at: float) -> Memory:
    """The memory after one more answer at `at` (a first answer starts a new card)."""
    card = Card(card_id=_CARD_ID, due=_utc(at)) if memory is None else to_card(memory)
    rating = Rating.Good if correct else Rating.Again
    card, _ = SCHEDULER.review_card(card, rating, _utc(at))
    return Memory(
        question_id=question_id,
        state=card.state.value,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due.timestamp(),
        last_review=None if card.last_review is None else card.last_review.timestamp(),
        reviews=(memory.reviews if memory else 0) + 1,
        lapses=(memory.lapses if memory else 0) + (0 if correct else 1),
    )


def recall(memory: Memory, at: float) -> float:
    """FSRS's probability that the person answers the question right at `at` (0 before any answer)."""
    return float(SCHEDULER.get_card_retrievability(to_card(memory), _utc(at)))


def due_first(memories: list[Memory], at: float, limit: int) -> list[Memory]:
    """The memories due by `at`, missed ones first, then the most overdue; at most `limit`."""
    due = [m for m in memories if m.due <= at]
    due.sort(key=lambda m: (not m.missed_last, m.due, m.question_id))
    return due[:limit]
