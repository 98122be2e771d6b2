"""Movement on a board: places up or down since the previous period, for the image cards.

A week's or month's board compares with the ranks at the end of the week or month before (the scores table
keeps past weeks and months). The all-time board compares with the all-time ranks as they stood when this week
began (all-time points less this week's, counted over two board indexes, never a scan of all players). A
competition, or an all-time team board, tracks no movement, and the view says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast, runtime_checkable

from .boards import leaderboard
from .periods import Period, period_key
from .ports import Store
from .ranking import Standing
from .teams import TeamRule, team_standings
from .views import LeaderboardView

WEEK = 7 * 86400


@runtime_checkable
class BoardHistory(Protocol):
    """Where players stood at the end of an earlier period (SQLite: bot/storage/history.py)."""

    async def ranks_in(self, community_id: int, period: str, keys: Sequence[str]) -> dict[str, int]: ...
    async def ranks_before_week(
        self, community_id: int, week: str, keys: Sequence[str]
    ) -> dict[str, int]: ...


class HistoryStore(Store, BoardHistory, Protocol):
    """A store that also knows past ranks."""


def week_label(key: str) -> str:
    """'week:2026-W48' -> '2026-W48'."""
    return key.partition(":")[2]


def previous(period: Period, at: float) -> tuple[str, str]:
    """(bucket, words) of the period before the one holding `at`: last week, last month."""
    when = datetime.fromtimestamp(at, UTC)
    if period is Period.WEEK:
        key = period_key(Period.WEEK, at - WEEK)
        return key, f"since the end of {week_label(key)}"
    first = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    before = (first - timedelta(seconds=1)).timestamp()
    return period_key(Period.MONTH, before), f"since the end of {datetime.fromtimestamp(before, UTC):%B %Y}"


def moved(now: Sequence[Standing], before: dict[str, int]) -> dict[str, int]:
    """Places moved by each standing found before (up is +); one not found is new."""
    return {s.key: before[s.key] - s.rank for s in now if s.key in before}


async def add_moves(
    store: HistoryStore,
    community_id: int,
    view: LeaderboardView,
    *,
    period: Period,
    at: float,
    teams: bool,
    competition: bool,
) -> LeaderboardView:
    """The view with each row's movement since the previous period, or with why there is none."""
    if competition or period is Period.COMPETITION:
        return replace(view, moves=None, since="no movement: a competition starts everyone level")
    rows = [*view.rows, *([view.me] if view.me is not None else [])]
    if teams:
        if period is Period.ALL:
            return replace(view, moves=None, since="no movement on the all-time team board")
        key, since = previous(period, at)
        totals = await store.team_board(community_id, key, 0, "sum", None)
        before = {s.key: s.rank for s in team_standings(totals, TeamRule()) if s.answered}
        return replace(view, moves=moved(rows, before), since=since)
    keys = [s.key for s in rows]
    if period is Period.ALL:
        week = period_key(Period.WEEK, at)
        ranks = await store.ranks_before_week(community_id, week, keys) if keys else {}
        return replace(view, moves=moved(rows, ranks), since=f"since {week_label(week)} began")
    key, since = previous(period, at)
    ranks = await store.ranks_in(community_id, key, keys) if keys else {}
    return replace(view, moves=moved(rows, ranks), since=since)


async def board_with_moves(
    store: Store,
    community_id: int,
    *,
    period: Period,
    at: float,
    teams: bool = False,
    competition: str | None = None,
    viewer: str | None = None,
    limit: int = 10,
    competition_default: bool = False,
) -> LeaderboardView:
    """`boards.leaderboard` (same arguments), with movement for the image card where the store keeps past
    ranks (SQLite does; another store's board shows none and says so)."""
    view = await leaderboard(
        store,
        community_id,
        period=period,
        at=at,
        teams=teams,
        competition=competition,
        viewer=viewer,
        limit=limit,
        competition_default=competition_default,
    )
    if not isinstance(store, BoardHistory):
        return replace(view, moves=None, since="no movement: this database does not keep past ranks yet")
    return await add_moves(
        cast(HistoryStore, store),
        community_id,
        view,
        period=period,
        at=at,
        teams=teams,
        competition=competition is not None,
    )
