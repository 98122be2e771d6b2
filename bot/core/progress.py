"""What the progress card of `/stats` shows: the record, points over the last weeks, and the study summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .bank import Bank
from .boards import player_stats
from .moves import WEEK, week_label
from .periods import Period, period_key
from .ports import Store
from .study.service import StudyService, StudySummary
from .views import StatsView

WEEKS = 8


@runtime_checkable
class PeriodStore(Protocol):
    """A store that reads a player's points by period (SQLite: bot/storage/history.py)."""

    async def player_periods(
        self, community_id: int, player_id: int, periods: Sequence[str]
    ) -> dict[str, int]: ...


@dataclass(frozen=True)
class ProgressView:
    """One person's `/stats`, for the picture: the record, (label, points) of the last weeks oldest first, and
    the study summary where the person asked for their own."""

    stats: StatsView
    weeks: tuple[tuple[str, int], ...]
    study: StudySummary | None = None


async def progress(
    store: Store,
    bank: Bank,
    community_id: int,
    who: str,
    at: float,
    *,
    private: bool = True,
    study: StudyService | None = None,
    weeks: int = WEEKS,
) -> ProgressView:
    """The record (as `player_stats`), points in each of the last `weeks` weeks (this one last) and, with
    `study` and `private`, due reviews and readiness."""
    stats = await player_stats(store, bank, community_id, who, at, private=private)
    player = await store.find_player(community_id, who)
    assert player is not None  # player_stats found them
    keys = [period_key(Period.WEEK, at - WEEK * i) for i in range(weeks - 1, -1, -1)]
    points = (
        await store.player_periods(community_id, player.id, keys) if isinstance(store, PeriodStore) else None
    )
    shown = () if points is None else tuple((week_label(k).split("-")[1], points.get(k, 0)) for k in keys)
    summary = await study.summary(player.id) if study is not None and private else None
    return ProgressView(stats, shown, summary)
