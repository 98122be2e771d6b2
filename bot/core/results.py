"""Pure scoring of a closed round: points per answer, the tally and the winners, fastest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .bank_schema import Question
from .config import ScoringRules
from .scoring import Points, score_answer


class StoredAnswer(NamedTuple):
    """An answer as read back from storage when a round closes."""

    player_id: int
    player: str
    name: str
    option: int
    at: float
    streak_before: int


class ScoredAnswer(NamedTuple):
    """An answer with what it earned."""

    answer: StoredAnswer
    correct: bool
    points: Points


@dataclass(frozen=True)
class RoundResult:
    """Everything the reveal shows and storage records for a closed round."""

    answer_index: int
    tally: tuple[int, ...]
    scored: tuple[ScoredAnswer, ...]

    @property
    def winners(self) -> list[ScoredAnswer]:
        """Correct answers, fastest first."""
        return [s for s in self.scored if s.correct]


def score_round(
    question: Question,
    answers: Sequence[StoredAnswer],
    posted_at: float,
    window: float,
    rules: ScoringRules,
) -> RoundResult:
    """Score every answer of a round; answers are ordered fastest first."""
    tally = [0] * len(question.options)
    scored = []
    right = question.answer_index
    for a in sorted(answers, key=lambda a: (a.at, a.player_id)):
        if 0 <= a.option < len(tally):
            tally[a.option] += 1
        correct = a.option == right
        points = score_answer(
            correct=correct,
            difficulty=question.difficulty,
            elapsed=a.at - posted_at,
            window=window,
            streak_before=a.streak_before,
            rules=rules,
        )
        scored.append(ScoredAnswer(a, correct, points))
    return RoundResult(question.answer_index, tuple(tally), tuple(scored))
