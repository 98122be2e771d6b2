"""Pure scoring rules: base points by difficulty, a speed bonus and a streak bonus."""

from __future__ import annotations

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
    if not correct:
        return NOTHING
    bonus = min(rules.streak_cap, rules.streak_step * streak_before)
    return Points(
        base=rules.base(difficulty),
        speed=speed_bonus(elapsed, window, rules.speed_bonus),
        streak=bonus,
        streak_after=streak_before + 1,
    )
