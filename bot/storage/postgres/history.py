"""Boards in the past and weekly recaps on PostgreSQL (twin of bot/storage/history.py)."""

from __future__ import annotations

from collections.abc import Sequence

from ...core.bank_schema import Question
from ...core.records import ChannelRecord
from .community import _channel
from .db import PgDatabase

_RANKS_IN = """
SELECT p.external_id, 1 + (
    SELECT count(*) FROM score_rows o WHERE o.community_id = $1 AND o.period = $2 AND o.points > s.points
)
FROM score_rows s JOIN players p ON p.id = s.player_id
WHERE s.community_id = $1 AND s.period = $2 AND s.answered > 0 AND p.external_id = ANY($3::text[])
"""
# All-time ranks as they stood when week $2 began (see bot/storage/history.py for the counting).
_RANKS_BEFORE_WEEK = """
WITH me AS (
    SELECT external_id AS key,
        points - CASE WHEN week = $2 THEN week_points ELSE 0 END AS before,
        answered - CASE WHEN week = $2 THEN week_answered ELSE 0 END AS was
    FROM players WHERE community_id = $1 AND external_id = ANY($3::text[])
)
SELECT key, 1
    + (SELECT count(*) FROM players q WHERE q.community_id = $1 AND q.points > me.before)
    - (SELECT count(*) FROM players q WHERE q.community_id = $1 AND q.week = $2 AND q.points > me.before)
    + (SELECT count(*) FROM players q
        WHERE q.community_id = $1 AND q.week = $2 AND q.points - q.week_points > me.before)
FROM me WHERE was > 0
"""
_PLAYER_PERIODS = """
SELECT period, points FROM score_rows WHERE community_id = $1 AND player_id = $2 AND period = ANY($3::text[])
"""
_MOST_MISSED = """
SELECT r.question, count(*) FILTER (WHERE a.correct = 0) AS wrong, count(*) AS answered
FROM rounds r JOIN answers a ON a.round_id = r.id
WHERE r.channel_id = $1 AND r.posted_at >= $2 AND r.posted_at < $3 AND r.state = 'revealed'
    AND a.correct IS NOT NULL
GROUP BY r.id HAVING count(*) FILTER (WHERE a.correct = 0) > 0
ORDER BY 2 DESC, count(*) FILTER (WHERE a.correct = 0)::float8 / count(*) DESC, r.posted_at, r.id LIMIT 1
"""
_RECAP_CHANNELS = """
SELECT ch.id, ch.community_id, co.external_id, ch.external_id, ch.name, ch.config
FROM channels ch JOIN communities co ON co.id = ch.community_id
WHERE co.platform = $1 AND ch.config::jsonb ->> 'recap' = 'weekly'
    AND NOT EXISTS (SELECT 1 FROM recaps r WHERE r.channel_id = ch.id AND r.week = $2)
ORDER BY ch.id
"""


class PgHistoryRepo:
    """Where players stood at the end of an earlier period, their points by week, and the recaps' bookkeeping."""

    db: PgDatabase

    async def ranks_in(self, community_id: int, period: str, keys: Sequence[str]) -> dict[str, int]:
        """Rank in the period bucket of each listed player (platform id) who answered in it."""
        rows = await self.db.reader.fetch(_RANKS_IN, community_id, period, list(keys))
        return {str(key): int(rank) for key, rank in rows}

    async def ranks_before_week(self, community_id: int, week: str, keys: Sequence[str]) -> dict[str, int]:
        """All-time rank, as it stood when `week` began, of each listed player who had answered by then."""
        rows = await self.db.reader.fetch(_RANKS_BEFORE_WEEK, community_id, week, list(keys))
        return {str(key): int(rank) for key, rank in rows}

    async def player_periods(
        self, community_id: int, player_id: int, periods: Sequence[str]
    ) -> dict[str, int]:
        """A player's points in each listed period bucket where they answered."""
        rows = await self.db.reader.fetch(_PLAYER_PERIODS, community_id, player_id, list(periods))
        return {str(period): int(points) for period, points in rows}

    async def most_missed(
        self, channel_id: int, start: float, end: float
    ) -> tuple[Question, int, int] | None:
        """(question as asked, wrong, answered) of the revealed question posted in [start, end) in a channel that
        the most people got wrong; None when nobody got one wrong."""
        row = await self.db.reader.fetchrow(_MOST_MISSED, channel_id, start, end)
        if row is None:
            return None
        return Question.model_validate_json(row[0]), int(row[1]), int(row[2])

    async def recap_channels(self, platform: str, week: str) -> list[ChannelRecord]:
        """Channels of a platform with the weekly recap on whose recap of `week` is not yet claimed."""
        return [_channel(r) for r in await self.db.reader.fetch(_RECAP_CHANNELS, platform, week)]

    async def claim_recap(self, channel_id: int, week: str, at: float) -> bool:
        """Take the recap of `week` in a channel; False when it was taken already (posted once, ever)."""
        async with self.db.transaction() as conn:
            status = await conn.execute(
                "INSERT INTO recaps (channel_id, week, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                channel_id,
                week,
                at,
            )
            return bool(status == "INSERT 0 1")

    async def release_recap(self, channel_id: int, week: str) -> None:
        """Give back a claimed recap that could not be posted, so the next turn tries again."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM recaps WHERE channel_id = $1 AND week = $2", channel_id, week)
