"""Leaderboards and per-player facts on PostgreSQL (twin of bot/storage/scores.py), read from maintained
totals."""

from __future__ import annotations

import json

from ...core.records import AnswerFact
from .db import PgDatabase

BoardRow = tuple[str, str, int, int, int]

# The four arms of score_rows, each on its own board index, limited before the join to players.
_TOP = """
SELECT p.external_id, p.name, b.points, b.correct, b.answered FROM (
    (SELECT id AS player_id, points, correct, answered FROM players
        WHERE community_id = $1 AND $2 = 'all' AND answered > 0 ORDER BY points DESC, id LIMIT $3)
    UNION ALL
    (SELECT id, week_points, week_correct, week_answered FROM players WHERE community_id = $1 AND week = $2
        ORDER BY week_points DESC, id LIMIT $3)
    UNION ALL
    (SELECT id, month_points, month_correct, month_answered FROM players WHERE community_id = $1 AND month = $2
        ORDER BY month_points DESC, id LIMIT $3)
    UNION ALL
    (SELECT player_id, points, correct, answered FROM scores WHERE community_id = $1 AND period = $2
        ORDER BY points DESC, player_id LIMIT $3)
    ORDER BY 2 DESC, 1 LIMIT $3
) b JOIN players p ON p.id = b.player_id ORDER BY b.points DESC, b.player_id
"""


class PgScoreRepo:
    """Boards, ranks and the facts behind personal stats."""

    db: PgDatabase

    async def leaderboard(self, community_id: int, period: str, limit: int) -> list[BoardRow]:
        """Top `limit` players of a period bucket, most points first."""
        rows = await self.db.reader.fetch(_TOP, community_id, period, limit)
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def standing(self, community_id: int, period: str, player_id: int) -> tuple[int, BoardRow] | None:
        """(rank, row) of one player; equal points share a rank."""
        row = await self.db.reader.fetchrow(
            "SELECT p.external_id, p.name, s.points, s.correct, s.answered FROM score_rows s "
            "JOIN players p ON p.id = s.player_id "
            "WHERE s.community_id = $1 AND s.period = $2 AND s.player_id = $3",
            community_id,
            period,
            player_id,
        )
        if row is None:
            return None
        ahead = await self.db.read_scalar(
            "SELECT count(*) FROM score_rows WHERE community_id = $1 AND period = $2 AND points > $3",
            community_id,
            period,
            row[2],
        )
        return ahead + 1, (row[0], row[1], row[2], row[3], row[4])

    async def answer_facts(self, player_id: int) -> list[AnswerFact]:
        """Every scored answer of a player, with its question's stage, services and answer_ref as asked."""
        rows = await self.db.reader.fetch(
            "SELECT r.stage, r.services, a.correct, r.question::jsonb ->> 'answer_ref' "
            "FROM answers a JOIN rounds r ON r.id = a.round_id "
            "WHERE a.player_id = $1 AND a.correct IS NOT NULL",
            player_id,
        )
        return [
            AnswerFact(stage, tuple(json.loads(services)), bool(correct), answer_ref)
            for stage, services, correct, answer_ref in rows
        ]
