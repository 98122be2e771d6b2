"""Rounds and their answers: creation, posting, recovery, and the once-only close."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from operator import attrgetter

import aiosqlite

from ..core.bank_schema import Question
from ..core.config import ScoringRules
from ..core.records import ResultRow, RoundRecord
from ..core.results import RoundResult, ScoredAnswer, StoredAnswer
from ..core.rounds import Answer, RoundState
from ..core.selection import Asked
from .db import Database

# Periods other than the live three (a competition; a week or month a player has already moved past) are rows
# of scores. A wrong answer leaves points alone, so its update never moves the row in the scores_board index.
_SCORE = """
INSERT INTO scores (community_id, period, player_id, points, correct, answered) VALUES (?, ?, ?, ?, 1, 1)
ON CONFLICT (community_id, period, player_id) DO UPDATE SET
    points = points + excluded.points, correct = correct + 1, answered = answered + 1
"""
_SCORE_WRONG = """
INSERT INTO scores (community_id, period, player_id, answered) VALUES (?, ?, ?, 1)
ON CONFLICT (community_id, period, player_id) DO UPDATE SET answered = answered + 1
"""
# The live totals on the player's row (migration 0003), when the round's week and month are the player's own:
# one row change per answer, and a wrong answer sets no indexed column, so no board index moves. A player
# whose week or month is another is left alone here (the WHERE) and found by _ELSEWHERE afterwards.
_LIVE_RIGHT = """
UPDATE players SET points = points + ?1, correct = correct + 1, answered = answered + 1,
    week_points = week_points + ?1, week_correct = week_correct + 1, week_answered = week_answered + 1,
    month_points = month_points + ?1, month_correct = month_correct + 1, month_answered = month_answered + 1,
    streak = ?2, best_streak = max(best_streak, ?2)
WHERE id = ?3 AND week = ?4 AND month = ?5
"""
_LIVE_WRONG = """
UPDATE players SET answered = answered + 1, week_answered = week_answered + 1,
    month_answered = month_answered + 1, streak = ?1
WHERE id = ?2 AND week = ?3 AND month = ?4
"""
# Otherwise (a player's first answer of a new week or month, or a round from an earlier one closing late),
# all-time, the week and the month are written one by one. Moving a player to a new week or month archives
# the old one into scores (trigger players_archive_week/month).
_ALL_TIME = """
UPDATE players SET points = points + ?1, correct = correct + ?2, answered = answered + 1,
    streak = ?3, best_streak = max(best_streak, ?3)
WHERE id = ?4
"""
_WEEK_SAME = """
UPDATE players SET week_points = week_points + ?1, week_correct = week_correct + ?2,
    week_answered = week_answered + 1
WHERE id = ?3
"""
_WEEK_NEW = (
    "UPDATE players SET week = ?4, week_points = ?1, week_correct = ?2, week_answered = 1 WHERE id = ?3"
)
_MONTH_SAME = """
UPDATE players SET month_points = month_points + ?1, month_correct = month_correct + ?2,
    month_answered = month_answered + 1
WHERE id = ?3
"""
_MONTH_NEW = """
UPDATE players SET month = ?4, month_points = ?1, month_correct = ?2, month_answered = 1 WHERE id = ?3
"""
_ELSEWHERE = """
SELECT id, week, month FROM players
WHERE id IN (SELECT value FROM json_each(?1)) AND (week != ?2 OR month != ?3)
"""

_PLAYER_ID = attrgetter("answer.player_id")


class RoundRepo:
    """Posted questions and the answers to them."""

    db: Database

    async def create_round(
        self,
        channel_id: int,
        question: Question,
        window: int,
        allow_changes: bool,
        schedule_id: int | None,
        at: float,
        scoring: ScoringRules | None = None,
    ) -> int:
        """Store a round about to be posted, with a snapshot of its question."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO rounds (channel_id, schedule_id, question_id, question, stage, services, "
                "difficulty, window, allow_changes, state, created_at, scoring) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    channel_id,
                    schedule_id,
                    question.id,
                    question.model_dump_json(),
                    question.stage,
                    json.dumps(list(question.services)),
                    question.difficulty.value,
                    window,
                    int(allow_changes),
                    at,
                    None if scoring is None else json.dumps(scoring.to_json()),
                ),
            )
            return int(cur.lastrowid or 0)

    async def mark_posted(self, round_id: int, message_ref: str, posted_at: float) -> None:
        """The question is on the platform: the round is open."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'open', message_ref = ?, posted_at = ? WHERE id = ?",
                (message_ref, posted_at, round_id),
            )

    async def mark_failed(self, round_id: int, error: str) -> None:
        """The question could not be posted and never will be."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'failed', error = ? WHERE id = ? AND state = 'pending'",
                (error[:500], round_id),
            )

    async def rounds_in(self, states: Sequence[RoundState], platform: str | None = None) -> list[RoundRecord]:
        """Rounds in any of `states` (on one platform's communities, if given), oldest first, open ones with
        their answers."""
        sql = (
            "SELECT r.id, r.channel_id, r.question, r.state, r.window, r.allow_changes, r.message_ref, "
            "r.posted_at, r.scoring FROM rounds r JOIN channels ch ON ch.id = r.channel_id "
            "JOIN communities co ON co.id = ch.community_id "
            "WHERE r.state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR co.platform = ?) ORDER BY r.id"
        )
        states_json = json.dumps([s.value for s in states])
        async with self.db.conn.execute(sql, (states_json, platform, platform)) as cur:
            rows = await cur.fetchall()
        out = []
        for rid, channel_id, question, state, window, allow, ref, posted, scoring in rows:
            answers: tuple[Answer, ...] = ()
            if state == RoundState.OPEN.value:
                async with self.db.conn.execute(
                    "SELECT p.external_id, p.name, a.option, a.answered_at FROM answers a "
                    "JOIN players p ON p.id = a.player_id WHERE a.round_id = ?",
                    (rid,),
                ) as cur:
                    answers = tuple(Answer(*r) for r in await cur.fetchall())
            out.append(
                RoundRecord(
                    rid,
                    channel_id,
                    Question.model_validate_json(question),
                    RoundState(state),
                    window,
                    bool(allow),
                    ref,
                    posted,
                    answers,
                    None if scoring is None else ScoringRules.from_json(json.loads(scoring)),
                )
            )
        return out

    async def asked_in_channel(self, channel_id: int) -> dict[str, Asked]:
        """How often and when each question was posted in a channel."""
        async with self.db.conn.execute(
            "SELECT question_id, count(*), max(coalesce(posted_at, created_at)) FROM rounds "
            "WHERE channel_id = ? AND state != 'failed' GROUP BY question_id",
            (channel_id,),
        ) as cur:
            return {qid: Asked(int(n), float(last)) for qid, n, last in await cur.fetchall()}

    async def round_answers(self, round_id: int) -> list[StoredAnswer]:
        """A round's stored answers with each player's streak, for scoring."""
        async with self.db.conn.execute(
            "SELECT p.id, p.external_id, p.name, a.option, a.answered_at, p.streak FROM answers a "
            "JOIN players p ON p.id = a.player_id WHERE a.round_id = ?",
            (round_id,),
        ) as cur:
            return list(map(StoredAnswer._make, await cur.fetchall()))

    async def finish_round(
        self,
        round_id: int,
        community_id: int,
        closed_at: float,
        result: RoundResult,
        periods: Sequence[str],
    ) -> bool:
        """Record a round's scores once: False (and nothing written) if it was already closed.

        `periods` are the round's buckets: 'all', its 'week:...' and 'month:...' (live on each player's row),
        and any 'competition:N' (rows of scores)."""
        week = next((p for p in periods if p.startswith("week:")), "")
        month = next((p for p in periods if p.startswith("month:")), "")
        elsewhere = [p for p in periods if p != "all" and p not in (week, month)]
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open'",
                (closed_at, round_id),
            )
            if cur.rowcount != 1:
                return False
            scored = sorted(result.scored, key=_PLAYER_ID)  # key order: B-tree locality
            right = [s for s in scored if s.correct]
            # Every answer is wrong with 0 points (one pass over the round's range), then the right ones.
            await conn.execute("UPDATE answers SET correct = 0, points = 0 WHERE round_id = ?", (round_id,))
            await conn.executemany(
                "UPDATE answers SET correct = 1, points = ? WHERE round_id = ? AND player_id = ?",
                [(s.total, round_id, s.answer.player_id) for s in right],
            )
            changed = (
                await conn.executemany(
                    _LIVE_RIGHT,
                    [(s.total, s.points.streak_after, s.answer.player_id, week, month) for s in right],
                )
            ).rowcount
            changed += (
                await conn.executemany(
                    _LIVE_WRONG,
                    [
                        (s.points.streak_after, s.answer.player_id, week, month)
                        for s in scored
                        if not s.correct
                    ],
                )
            ).rowcount
            if changed < len(scored):  # the first round of a week or month, or one closing late
                async with conn.execute(
                    _ELSEWHERE, (json.dumps([s.answer.player_id for s in scored]), week, month)
                ) as cur:
                    off = {pid: (w, m) for pid, w, m in await cur.fetchall()}
                await self._score_elsewhere(
                    conn, community_id, [s for s in scored if s.answer.player_id in off], off, week, month
                )
            for period in sorted(elsewhere):
                await conn.executemany(
                    _SCORE, [(community_id, period, s.answer.player_id, s.total) for s in right]
                )
                await conn.executemany(
                    _SCORE_WRONG,
                    [(community_id, period, s.answer.player_id) for s in scored if not s.correct],
                )
            return True

    @staticmethod
    async def _score_elsewhere(
        conn: aiosqlite.Connection,
        community_id: int,
        scored: Sequence[ScoredAnswer],
        current: dict[int, tuple[str, str]],
        week: str,
        month: str,
    ) -> None:
        """Players whose live week or month is not the round's: all-time, then each period on its own.

        At the start of a week this is every player of the round, so each statement gets one executemany."""
        batches: dict[str, list[tuple[object, ...]]] = defaultdict(list)
        for s in scored:
            pid, points, right = s.answer.player_id, s.total, int(s.correct)
            batches[_ALL_TIME].append((points, right, s.points.streak_after, pid))
            live_week, live_month = current[pid]
            for key, now, same, new in (
                (week, live_week, _WEEK_SAME, _WEEK_NEW),
                (month, live_month, _MONTH_SAME, _MONTH_NEW),
            ):
                if not key:
                    continue
                if key == now:
                    batches[same].append((points, right, pid))
                elif key > now:  # '' (none yet) sorts first; the keys sort by time
                    batches[new].append((points, right, pid, key))
                elif right:  # a round of a week or month the player has moved past
                    batches[_SCORE].append((community_id, key, pid, points))
                else:
                    batches[_SCORE_WRONG].append((community_id, key, pid))
        for sql in (_ALL_TIME, _WEEK_SAME, _WEEK_NEW, _MONTH_SAME, _MONTH_NEW, _SCORE, _SCORE_WRONG):
            if batches[sql]:
                await conn.executemany(sql, batches[sql])

    async def round_results(self, round_id: int) -> list[ResultRow]:
        """A closed round's scored answers, fastest first."""
        async with self.db.conn.execute(
            "SELECT p.external_id, p.name, a.option, a.answered_at, coalesce(a.correct, 0), "
            "coalesce(a.points, 0) FROM answers a JOIN players p ON p.id = a.player_id "
            "WHERE a.round_id = ? ORDER BY a.answered_at, p.id",
            (round_id,),
        ) as cur:
            return [ResultRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in await cur.fetchall()]

    async def mark_revealed(self, round_id: int) -> None:
        """The reveal is posted."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'revealed' WHERE id = ? AND state = 'closed'",
                (round_id,),
            )
