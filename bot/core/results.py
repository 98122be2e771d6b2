"""Pure scoring of a closed round: points per answer, the tally and the winners, fastest first."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple, cast

from .bank_schema import Question
from .config import ScoringRules
from .scoring import scorer


class StoredAnswer(NamedTuple):
    """An answer as read back from storage when a round closes."""

    player_id: int
    player: str
    name: str
    option: int
    at: float
    streak_before: int


class ScoredAnswer(NamedTuple):
    """An answer with what it earned. Its first six fields are a ResultRow's, so the reveal shows it as one;
    the last two are what storage needs. A close makes one per answer: one flat tuple, nothing nested."""

    player: str
    name: str
    option: int
    at: float
    correct: bool
    points: int  # all the points for the answer
    player_id: int
    streak_after: int


_FASTEST_FIRST = itemgetter(4, 0)  # StoredAnswer (at, player_id)
# A named tuple built from one tuple of its fields by tuple.__new__ directly, in C: calling the class runs its
# Python-level __new__, twice the cost, and a close builds a StoredAnswer and a ScoredAnswer per answer.
_new_stored = cast("Callable[[Iterable[Any]], StoredAnswer]", partial(tuple.__new__, StoredAnswer))
_new_scored = cast("Callable[[tuple[Any, ...]], ScoredAnswer]", partial(tuple.__new__, ScoredAnswer))


def stored_answers(rows: Iterable[Any]) -> list[StoredAnswer]:
    """StoredAnswers from rows read in StoredAnswer's field order."""
    return list(map(_new_stored, rows))


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
    options = len(tally)
    scored = []
    right = question.answer_index
    score = scorer(difficulty=question.difficulty, window=window, rules=rules)
    miss = score(False, 0.0, 0)  # what any wrong answer earns: it depends on neither time nor streak
    miss_points, miss_after = miss.total, miss.streak_after
    for player_id, player, name, option, at, streak in sorted(answers, key=_FASTEST_FIRST):
        if 0 <= option < options:
            tally[option] += 1
        if option == right:
            points = score(True, at - posted_at, streak)
            scored.append(
                _new_scored((player, name, option, at, True, points.total, player_id, points.streak_after))
            )
        else:
            scored.append(_new_scored((player, name, option, at, False, miss_points, player_id, miss_after)))
    return RoundResult(question.answer_index, tuple(tally), tuple(scored))
