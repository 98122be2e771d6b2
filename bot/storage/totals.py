"""Score totals of a closed round: the live totals on each player's row, and rows of scores for the rest."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

import aiosqlite

from ..core.results import ScoredAnswer

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
# A round's wrong answers all leave the same streak (0), so they are one set-based statement: no per-row
# parameters to bind (about half the time of an executemany of them, measured at 750 rows).
_LIVE_WRONG = """
UPDATE players SET answered = answered + 1, week_answered = week_answered + 1,
    month_answered = month_answered + 1, streak = ?1
WHERE id IN (SELECT value FROM json_each(?2)) AND week = ?3 AND month = ?4
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


async def write_totals(
    conn: aiosqlite.Connection, community_id: int, scored: Sequence[ScoredAnswer], periods: Sequence[str]
) -> None:
    """Add a round's scored answers (in player-id order) to every period bucket of `periods`: 'all', its
    'week:...' and 'month:...' (live on each player's row) and any 'competition:N' (rows of scores)."""
    week = next((p for p in periods if p.startswith("week:")), "")
    month = next((p for p in periods if p.startswith("month:")), "")
    elsewhere = [p for p in periods if p != "all" and p not in (week, month)]
    right = [s for s in scored if s.correct]
    changed = (
        await conn.executemany(
            _LIVE_RIGHT,
            [(s.points, s.streak_after, s.player_id, week, month) for s in right],
        )
    ).rowcount
    wrong = [s for s in scored if not s.correct]
    if wrong:  # all leave the same streak: a wrong answer's points depend on neither time nor streak (scorer)
        ids = json.dumps([s.player_id for s in wrong])
        changed += (await conn.execute(_LIVE_WRONG, (wrong[0].streak_after, ids, week, month))).rowcount
    if changed < len(scored):  # the first round of a week or month, or one closing late
        async with conn.execute(_ELSEWHERE, (json.dumps([s.player_id for s in scored]), week, month)) as cur:
            off = {pid: (w, m) for pid, w, m in await cur.fetchall()}
        await score_elsewhere(
            conn, _ELSEWHERE_SQL, community_id, [s for s in scored if s.player_id in off], off, week, month
        )
    for period in sorted(elsewhere):
        await conn.executemany(_SCORE, [(community_id, period, s.player_id, s.points) for s in right])
        await conn.executemany(_SCORE_WRONG, [(community_id, period, s.player_id) for s in wrong])


class ElsewhereSql(NamedTuple):
    """The statements `score_elsewhere` runs, in each store's SQL (arguments in the same order in both)."""

    all_time: str  # (points, right, streak after, player id)
    week_same: str  # (points, right, player id)
    week_new: str  # (points, right, player id, week)
    month_same: str
    month_new: str
    score: str  # (community id, period, player id, points)
    score_wrong: str  # (community id, period, player id)


_ELSEWHERE_SQL = ElsewhereSql(_ALL_TIME, _WEEK_SAME, _WEEK_NEW, _MONTH_SAME, _MONTH_NEW, _SCORE, _SCORE_WRONG)


async def score_elsewhere(
    conn: Any,
    sql: ElsewhereSql,
    community_id: int,
    scored: Sequence[ScoredAnswer],
    current: dict[int, tuple[str, str]],
    week: str,
    month: str,
) -> None:
    """Players whose live week or month is not the round's: all-time, then each period on its own (both stores).

    At the start of a week this is every player of the round, so each statement gets one executemany."""
    batches: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for s in scored:
        pid, points, right = s.player_id, s.points, int(s.correct)
        batches[sql.all_time].append((points, right, s.streak_after, pid))
        live_week, live_month = current[pid]
        for key, now, same, new in (
            (week, live_week, sql.week_same, sql.week_new),
            (month, live_month, sql.month_same, sql.month_new),
        ):
            if not key:
                continue
            if key == now:
                batches[same].append((points, right, pid))
            elif key > now:  # '' (none yet) sorts first; the keys sort by time
                batches[new].append((points, right, pid, key))
            elif right:  # a round of a week or month the player has moved past
                batches[sql.score].append((community_id, key, pid, points))
            else:
                batches[sql.score_wrong].append((community_id, key, pid))
    for statement in (
        sql.all_time,
        sql.week_same,
        sql.week_new,
        sql.month_same,
        sql.month_new,
        sql.score,
        sql.score_wrong,
    ):
        if batches[statement]:
            await conn.executemany(statement, batches[statement])
