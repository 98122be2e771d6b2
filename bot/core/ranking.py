"""Pure ranking: ties share a rank (1, 2, 2, 4), names break display order only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Standing:
    """One row of a leaderboard."""

    rank: int
    key: str
    name: str
    points: int | float  # a team's average per active member has one decimal
    correct: int
    answered: int
    detail: str = ""  # teams: "4 members, 3 active"

    @property
    def accuracy(self) -> float:
        """Share of answers that were correct (0 when none)."""
        return self.correct / self.answered if self.answered else 0.0


def rank_rows(rows: Iterable[tuple[str, str, int, int, int]], start_rank: int = 1) -> list[Standing]:
    """Rank (key, name, points, correct, answered) rows, most points first; equal points share a rank."""
    ordered = sorted(rows, key=lambda r: (-r[2], r[1].casefold(), r[0]))
    out: list[Standing] = []
    for i, (key, name, points, correct, answered) in enumerate(ordered):
        rank = out[-1].rank if out and out[-1].points == points else start_rank + i
        out.append(Standing(rank, key, name, points, correct, answered))
    return out
