"""The weekly recap (opt-in per channel: `config recap weekly`): once the week is over, the week's board with
its movement, the biggest climbers and the question the channel missed most, with its explanation.

A recap is claimed in storage before it is posted (one row per channel and week), so it goes out once per
week per channel across restarts and processes; one that could not be posted is given back and tried again
at the next turn. Only the week just ended is recapped: after a long stop, older weeks are not posted late.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from .bank_schema import Question
from .moves import WEEK, HistoryStore, board_with_moves, moved, previous, week_label
from .periods import Period, period_key
from .ranking import rank_rows
from .records import ChannelRecord
from .service import QuizService
from .views import ChannelRef, LeaderboardView

log = logging.getLogger(__name__)
CLIMBERS = 3
CLIMBER_POOL = 50  # climbers are looked for among the week's top 50


@runtime_checkable
class RecapStore(HistoryStore, Protocol):
    """What the recap reads and claims (SQLite: bot/storage/history.py)."""

    async def most_missed(
        self, channel_id: int, start: float, end: float
    ) -> tuple[Question, int, int] | None: ...
    async def recap_channels(self, platform: str, week: str) -> list[ChannelRecord]: ...
    async def claim_recap(self, channel_id: int, week: str, at: float) -> bool: ...
    async def release_recap(self, channel_id: int, week: str) -> None: ...


@dataclass(frozen=True)
class Climber:
    """Someone who moved up the week's board against the week before."""

    name: str
    places: int
    rank: int


@dataclass(frozen=True)
class MissedQuestion:
    """The question of the week most people in the channel got wrong, as it was asked."""

    question: Question
    stage_name: str
    wrong: int
    answered: int

    @property
    def answer(self) -> str:
        """'B) the correct option'."""
        i = next(i for i, o in enumerate(self.question.options) if o.correct)
        return f"{'ABCDE'[i]}) {self.question.options[i].text}"


@dataclass(frozen=True)
class RecapView:
    """One channel's recap of one week."""

    week: str  # '2026-W48'
    channel: str  # the channel's name where known
    board: LeaderboardView  # the week's top ten with movement against the week before
    climbers: tuple[Climber, ...]
    missed: MissedQuestion | None

    @property
    def title(self) -> str:
        """'Week 2026-W48 recap'."""
        return f"Week {self.week} recap"


class RecapPoster(Protocol):
    """A platform that can post a recap (each Chat does)."""

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None: ...


def week_start(at: float) -> float:
    """Monday 00:00 UTC of the ISO week holding `at`."""
    when = datetime.fromtimestamp(at, UTC)
    monday = (when - timedelta(days=when.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.timestamp()


def climbers(
    moves: dict[str, int], names: dict[str, tuple[str, int]], count: int = CLIMBERS
) -> list[Climber]:
    """The biggest moves up (then the better rank now), at most `count`."""
    up = sorted((-places, names[key][1], key) for key, places in moves.items() if places > 0 and key in names)
    return [Climber(names[key][0], -neg, rank) for neg, rank, key in up[:count]]


class Recaps:
    """Builds and posts the weekly recaps of one platform's channels."""

    def __init__(self, service: QuizService, store: RecapStore, poster: RecapPoster) -> None:
        self.service = service
        self.store = store
        self.poster = poster

    async def build(self, channel: ChannelRecord, start: float) -> RecapView:
        """The recap of the week starting at `start` (a Monday 00:00 UTC) in `channel`."""
        community, key = channel.community_id, period_key(Period.WEEK, start)
        board = await board_with_moves(self.store, community, period=Period.WEEK, at=start)
        pool = rank_rows(await self.store.leaderboard(community, key, CLIMBER_POOL))
        before = await self.store.ranks_in(community, previous(Period.WEEK, start)[0], [s.key for s in pool])
        names = {s.key: (s.name, s.rank) for s in pool}
        found = await self.store.most_missed(channel.id, start, start + WEEK)
        missed = None
        if found is not None:
            question, wrong, answered = found
            missed = MissedQuestion(question, self.service.stage_name(question.stage), wrong, answered)
        board = replace(board, title=f"Week {week_label(key)} recap")
        return RecapView(
            week_label(key), channel.name, board, tuple(climbers(moved(pool, before), names)), missed
        )

    async def post_due(self) -> int:
        """Post the recap of the week just ended in every channel that wants one and has not had it."""
        now = self.service.clock()
        start = week_start(now) - WEEK
        key = period_key(Period.WEEK, start)
        posted = 0
        for channel in await self.store.recap_channels(self.service.platform, key):
            posted += await self._post(channel, start, key, now)
        return posted

    async def _post(self, channel: ChannelRecord, start: float, key: str, now: float) -> bool:
        if not await self.store.claim_recap(channel.id, key, now):
            return False  # another process took it
        try:
            view = await self.build(channel, start)
            if not view.board.rows:
                return False  # a quiet week: nothing to recap, and nothing posted later either
            await self.poster.post_recap(self.service.ref(channel), view)
        except Exception:
            log.exception(
                "the recap of %s in channel %s could not be posted; trying again later", key, channel.id
            )
            await self.store.release_recap(channel.id, key)
            return False
        return True
