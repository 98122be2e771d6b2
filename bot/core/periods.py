"""Leaderboard periods: all time, ISO week and calendar month (UTC), and competitions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


class Period(StrEnum):
    """A leaderboard's time span."""

    ALL = "all"
    WEEK = "week"
    MONTH = "month"
    COMPETITION = "competition"


def period_keys(at: float) -> list[str]:
    """Score buckets an answer at `at` (Unix seconds) counts towards."""
    when = datetime.fromtimestamp(at, UTC)
    year, week, _ = when.isocalendar()
    return ["all", f"week:{year}-W{week:02d}", f"month:{when:%Y-%m}"]


def period_key(period: Period, at: float, competition_id: int | None = None) -> str:
    """The bucket a leaderboard for `period` reads at time `at`."""
    if period is Period.COMPETITION:
        if competition_id is None:
            raise ValueError("a competition leaderboard needs a competition")
        return f"competition:{competition_id}"
    keys = {Period.ALL: 0, Period.WEEK: 1, Period.MONTH: 2}
    return period_keys(at)[keys[period]]
