"""Score totals of a closed round on PostgreSQL (twin of bot/storage/totals.py): the live totals on each
player's row, and rows of scores for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.results import ScoredAnswer
from ..totals import ElsewhereSql, score_elsewhere

_SCORE = """
INSERT INTO scores AS s (community_id, period, player_id, points, correct, answered) VALUES ($1, $2, $3, $4, 1, 1)
ON CONFLICT (community_id, period, player_id) DO UPDATE SET
    points = s.points + excluded.points, correct = s.correct + 1, answered = s.answered + 1
"""
_SCORE_WRONG = """
INSERT INTO scores AS s (community_id, period, player_id, answered) VALUES ($1, $2, $3, 1)
ON CONFLICT (community_id, period, player_id) DO UPDATE SET answered = s.answered + 1
"""
# The common case, set-based: every answer whose player's live week and month are the round's, in one
# statement per kind (right answers carry points and streaks per row, as arrays).
_LIVE_RIGHT = """
UPDATE players p SET points = p.points + j.pts, correct = p.correct + 1, answered = p.answered + 1,
    week_points = p.week_points + j.pts, week_correct = p.week_correct + 1, week_answered = p.week_answered + 1,
    month_points = p.month_points + j.pts, month_correct = p.month_correct + 1,
    month_answered = p.month_answered + 1, streak = j.streak, best_streak = greatest(p.best_streak, j.streak)
FROM unnest($1::bigint[], $2::int[], $3::int[]) AS j (pid, pts, streak)
WHERE p.id = j.pid AND p.week = $4 AND p.month = $5
"""
_LIVE_WRONG = """
UPDATE players SET answered = answered + 1, week_answered = week_answered + 1,
    month_answered = month_answered + 1, streak = $1
WHERE id = ANY($2::bigint[]) AND week = $3 AND month = $4
"""
# Otherwise (a player's first answer of a new week or month, or a round from an earlier one closing late),
# all-time, the week and the month one by one; moving to a new week or month archives the old one (trigger).
_ALL_TIME = """
UPDATE players SET points = points + $1, correct = correct + $2, answered = answered + 1,
    streak = $3, best_streak = greatest(best_streak, $3) WHERE id = $4
"""
_WEEK_SAME = """
UPDATE players SET week_points = week_points + $1, week_correct = week_correct + $2,
    week_answered = week_answered + 1 WHERE id = $3
"""
_WEEK_NEW = (
    "UPDATE players SET week = $4, week_points = $1, week_correct = $2, week_answered = 1 WHERE id = $3"
)
_MONTH_SAME = """
UPDATE players SET month_points = month_points + $1, month_correct = month_correct + $2,
    month_answered = month_answered + 1 WHERE id = $3
"""
_MONTH_NEW = (
    "UPDATE players SET month = $4, month_points = $1, month_correct = $2, month_answered = 1 WHERE id = $3"
)
_ELSEWHERE = (
    "SELECT id, week, month FROM players WHERE id = ANY($1::bigint[]) AND (week <> $2 OR month <> $3)"
)


_ELSEWHERE_SQL = ElsewhereSql(_ALL_TIME, _WEEK_SAME, _WEEK_NEW, _MONTH_SAME, _MONTH_NEW, _SCORE, _SCORE_WRONG)


async def lock_players(conn: Any, scored: Sequence[ScoredAnswer]) -> None:
    """Lock the round's players' rows in id order before changing any totals.

    Two processes closing different rounds that share players would otherwise each hold some of those rows
    while waiting for the others (a deadlock, which PostgreSQL ends by failing one close). Taken in one order,
    the second close simply waits. NO KEY UPDATE: answers being inserted meanwhile (which only need the key)
    are not held up."""
    if scored:
        await conn.execute(
            "SELECT 1 FROM players WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE",
            [s.player_id for s in scored],
        )


async def write_totals(
    conn: Any, community_id: int, scored: Sequence[ScoredAnswer], periods: Sequence[str]
) -> None:
    """Add a round's scored answers to every period bucket of `periods`: 'all', its 'week:...' and
    'month:...' (live on each player's row) and any 'competition:N' (rows of scores)."""
    week = next((p for p in periods if p.startswith("week:")), "")
    month = next((p for p in periods if p.startswith("month:")), "")
    elsewhere = [p for p in periods if p != "all" and p not in (week, month)]
    right = [s for s in scored if s.correct]
    wrong = [s for s in scored if not s.correct]
    changed = 0
    if right:
        status = await conn.execute(
            _LIVE_RIGHT,
            [s.player_id for s in right],
            [s.points for s in right],
            [s.streak_after for s in right],
            week,
            month,
        )
        changed += int(status.split()[-1])
    if wrong:  # all leave the same streak: a wrong answer's points depend on neither time nor streak
        status = await conn.execute(
            _LIVE_WRONG, wrong[0].streak_after, [s.player_id for s in wrong], week, month
        )
        changed += int(status.split()[-1])
    if changed < len(scored):  # the first round of a week or month, or one closing late
        rows = await conn.fetch(_ELSEWHERE, [s.player_id for s in scored], week, month)
        off = {int(r[0]): (str(r[1]), str(r[2])) for r in rows}
        await score_elsewhere(
            conn, _ELSEWHERE_SQL, community_id, [s for s in scored if s.player_id in off], off, week, month
        )
    for period in sorted(elsewhere):
        if right:
            await conn.executemany(_SCORE, [(community_id, period, s.player_id, s.points) for s in right])
        if wrong:
            await conn.executemany(_SCORE_WRONG, [(community_id, period, s.player_id) for s in wrong])
