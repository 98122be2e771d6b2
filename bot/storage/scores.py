"""Leaderboards and per-player facts, read from the maintained scores table."""

from __future__ import annotations

import json

from ..core.records import AnswerFact
from .db import Database

BoardRow = tuple[str, str, int, int, int]

# score_rows (migration 0003) is every (community, period, player) total: all-time and each player's live week
# and month on the players row, competitions and weeks or months a player has moved past as rows of scores.
# Filtered by community and period, each arm reads its own board index. The top of a board is the same four
# arms written out with ORDER BY on the compound itself: SQLite then merges the four index orders and stops at
# LIMIT, where ordering the view would sort every row of the period first.
_TOP = """
SELECT p.external_id, p.name, b.points, b.correct, b.answered FROM (
    SELECT id AS player_id, points, correct, answered FROM players
        WHERE community_id = ?1 AND ?2 = 'all' AND answered > 0
    UNION ALL
    SELECT id, week_points, week_correct, week_answered FROM players WHERE community_id = ?1 AND week = ?2
    UNION ALL
    SELECT id, month_points, month_correct, month_answered FROM players WHERE community_id = ?1 AND month = ?2
    UNION ALL
    SELECT player_id, points, correct, answered FROM scores WHERE community_id = ?1 AND period = ?2
    ORDER BY 2 DESC, 1 LIMIT ?3
) b JOIN players p ON p.id = b.player_id ORDER BY b.points DESC, b.player_id
"""


class ScoreRepo:
    """Boards, ranks and the facts behind personal stats."""

    db: Database

    async def leaderboard(self, community_id: int, period: str, limit: int) -> list[BoardRow]:
        """Top `limit` players of a period bucket, most points first."""
        async with self.db.reader.execute(_TOP, (community_id, period, limit)) as cur:
            return [(r[0], r[1], r[2], r[3], r[4]) for r in await cur.fetchall()]

    async def standing(self, community_id: int, period: str, player_id: int) -> tuple[int, BoardRow] | None:
        """(rank, row) of one player; equal points share a rank."""
        async with self.db.reader.execute(
            "SELECT p.external_id, p.name, s.points, s.correct, s.answered FROM score_rows s "
            "JOIN players p ON p.id = s.player_id "
            "WHERE s.community_id = ? AND s.period = ? AND s.player_id = ?",
            (community_id, period, player_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        ahead = await self.db.read_scalar(
            "SELECT count(*) FROM score_rows WHERE community_id = ? AND period = ? AND points > ?",
            (community_id, period, row[2]),
        )
        return ahead + 1, (row[0], row[1], row[2], row[3], row[4])

    async def answer_facts(self, player_id: int) -> list[AnswerFact]:
        """Every scored answer of a player, with its question's stage, services and answer_ref as asked."""
        async with self.db.reader.execute(
            # The round's snapshot of its question says what the correct option named when it was asked.
            "SELECT r.stage, r.services, a.correct, json_extract(r.question, '$.answer_ref') "
            "FROM answers a JOIN rounds r ON r.id = a.round_id "
            "WHERE a.player_id = ? AND a.correct IS NOT NULL",
            (player_id,),
        ) as cur:
            return [
                AnswerFact(stage, tuple(json.loads(services)), bool(correct), answer_ref)
                for stage, services, correct, answer_ref in await cur.fetchall()
            ]
