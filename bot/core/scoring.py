"""Pure scoring rules: base points by difficulty, a speed bonus and a streak bonus."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .bank_schema import Difficulty
from .config import ScoringRules


class Points(NamedTuple):
    """What one answer earned, and the player's streak after it (a named tuple: one per answer at close)."""

    base: int
    speed: int
    streak: int
    streak_after: int

    @property
    def total(self) -> int:
        """All points for the answer."""
        return self.base + self.speed + self.streak


NOTHING = Points(0, 0, 0, 0)  # a wrong answer's


def speed_bonus(elapsed: float, window: float, maximum: int) -> int:
    """Full bonus for an instant answer, falling linearly to 0 at close."""
    if window <= 0 or maximum <= 0:
        return 0
    fraction = 1.0 - min(max(elapsed, 0.0), window) / window
    return round(maximum * fraction)


def scorer(
    *, difficulty: Difficulty, window: float, rules: ScoringRules
) -> Callable[[bool, float, int], Points]:
    """The rules of one round as a function of (correct, elapsed, streak_before): what is the same for every
    answer is looked up once, since a round's close scores each of its answers. A wrong answer's Points
    depend on neither elapsed nor streak_before (score_round asks for them once per round)."""
    base = rules.base(difficulty)
    cap, step, bonus = rules.streak_cap, rules.streak_step, rules.speed_bonus

    def score(correct: bool, elapsed: float, streak_before: int) -> Points:
        if not correct:  # a wrong answer earns nothing and resets the streak
            return NOTHING
        return Points(
            base, speed_bonus(elapsed, window, bonus), min(cap, step * streak_before), streak_before + 1
        )

    return score


def score_answer(
    *,
    correct: bool,
    difficulty: Difficulty,
    elapsed: float,
    window: float,
    streak_before: int,
    rules: ScoringRules,
) -> Points:
    """Score one answer; a wrong answer earns nothing and resets the streak."""
    return scorer(difficulty=difficulty, window=window, rules=rules)(correct, elapsed, streak_before)
