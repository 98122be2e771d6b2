"""Team totals of a closed round: each answer counts for the team its player was in when the question was
posted (team_spans), on the member's live row while the round's week and month are theirs, else on rows of
team_member_points; each team's total per period (team_scores) grows by the round's sum, in one row per team."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

import aiosqlite

from ..core.results import ScoredAnswer

_CURRENT = """
SELECT player_id, team_id, week, month, answered FROM team_members
WHERE player_id IN (SELECT value FROM json_each(?1))
"""
# Memberships that began or ended after the question was posted: only these players' current team may not be
# the one they were in then (two small index ranges; a round is open for minutes).
_CHANGED = """
SELECT player_id FROM team_spans WHERE joined_at > ?1
UNION SELECT player_id FROM team_spans WHERE left_at > ?1
"""
_TEAM_AT = """
SELECT team_id FROM team_spans
WHERE player_id = ?1 AND joined_at <= ?2 AND (left_at IS NULL OR left_at > ?2) ORDER BY joined_at DESC LIMIT 1
"""
# The common case: the member's live week and month are the round's. One row change per answer, no index moves.
_LIVE = """
UPDATE team_members SET points = points + ?1, correct = correct + ?2, answered = answered + 1,
    week_points = week_points + ?1, week_correct = week_correct + ?2, week_answered = week_answered + 1,
    month_points = month_points + ?1, month_correct = month_correct + ?2, month_answered = month_answered + 1
WHERE player_id = ?3
"""
_ALL = "UPDATE team_members SET points = points + ?1, correct = correct + ?2, answered = answered + 1 WHERE player_id = ?3"
_WEEK_SAME = """
UPDATE team_members SET week_points = week_points + ?1, week_correct = week_correct + ?2,
    week_answered = week_answered + 1 WHERE player_id = ?3
"""
_WEEK_NEW = """
UPDATE team_members SET week = ?4, week_points = ?1, week_correct = ?2, week_answered = 1 WHERE player_id = ?3
"""
_MONTH_SAME = """
UPDATE team_members SET month_points = month_points + ?1, month_correct = month_correct + ?2,
    month_answered = month_answered + 1 WHERE player_id = ?3
"""
_MONTH_NEW = """
UPDATE team_members SET month = ?4, month_points = ?1, month_correct = ?2, month_answered = 1 WHERE player_id = ?3
"""
_KEPT = """
INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered) VALUES (?, ?, ?, ?, ?, 1)
ON CONFLICT (team_id, period, player_id) DO UPDATE SET
    points = points + excluded.points, correct = correct + excluded.correct, answered = answered + 1
"""
_KNOWN = """
SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]')
FROM json_each(?1) j JOIN team_member_points m ON m.team_id = json_extract(j.value, '$[0]')
    AND m.period = json_extract(j.value, '$[1]') AND m.player_id = json_extract(j.value, '$[2]')
"""
_TEAM_SCORE = """
INSERT INTO team_scores (team_id, period, points, correct, answered, active) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (team_id, period) DO UPDATE SET points = points + excluded.points,
    correct = correct + excluded.correct, answered = answered + excluded.answered, active = active + excluded.active
"""


async def credited_teams(
    conn: aiosqlite.Connection, player_ids: list[int], posted_at: float
) -> tuple[dict[int, int], dict[int, tuple[int, str, str, int]]]:
    """(player -> team they were in at `posted_at`, player -> their current live row)."""
    async with conn.execute(_CURRENT, (json.dumps(player_ids),)) as cur:
        current = {r[0]: (r[1], r[2], r[3], r[4]) for r in await cur.fetchall()}
    async with conn.execute(_CHANGED, (posted_at,)) as cur:
        changed = {r[0] for r in await cur.fetchall()} & set(player_ids)
    teams = {pid: row[0] for pid, row in current.items() if pid not in changed}
    for pid in changed:
        async with conn.execute(_TEAM_AT, (pid, posted_at)) as cur:
            row = await cur.fetchone()
        if row is not None:
            teams[pid] = int(row[0])
    return teams, current


async def write_team_totals(
    conn: aiosqlite.Connection, scored: Sequence[ScoredAnswer], periods: Sequence[str], posted_at: float
) -> None:
    """Credit a round's scored answers to the teams their players were in when it was posted, in every
    period bucket of `periods` ('all', its week and month, any 'competition:N')."""
    if not scored:
        return
    teams, current = await credited_teams(conn, [s.player_id for s in scored], posted_at)
    if not teams:
        return
    week = next((p for p in periods if p.startswith("week:")), "")
    month = next((p for p in periods if p.startswith("month:")), "")
    others = [p for p in periods if p != "all" and p not in (week, month)]
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    batches: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    kept: list[tuple[int, str, int, int, int]] = []  # (team, period, player, points, correct) off live rows
    for s in scored:
        team = teams.get(s.player_id)
        if team is None:
            continue
        points, right, pid = s.points, int(s.correct), s.player_id
        for period in ("all", week, month, *others):
            if period:
                total = sums[(team, period)]
                total[0] += points
                total[1] += right
                total[2] += 1
        live = current.get(pid)
        if live is None or live[0] != team:  # left or switched since it was posted: kept rows only
            kept += [(team, p, pid, points, right) for p in ("all", week, month) if p]
        elif live[1] == week and live[2] == month:
            batches[_LIVE].append((points, right, pid))
        else:
            batches[_ALL].append((points, right, pid))
            if live[3] == 0:
                sums[(team, "all")][3] += 1
            for key, now, same, new in (
                (week, live[1], _WEEK_SAME, _WEEK_NEW),
                (month, live[2], _MONTH_SAME, _MONTH_NEW),
            ):
                if not key:
                    continue
                if key == now:
                    batches[same].append((points, right, pid))
                elif key > now:  # a new week or month for this member ('' sorts first): first answer there
                    batches[new].append((points, right, pid, key))
                    sums[(team, key)][3] += 1
                else:  # a late round of a week or month the member has moved past
                    kept.append((team, key, pid, points, right))
        kept += [(team, p, pid, points, right) for p in others]
    for sql in (_LIVE, _ALL, _WEEK_SAME, _WEEK_NEW, _MONTH_SAME, _MONTH_NEW):
        if batches[sql]:
            await conn.executemany(sql, batches[sql])
    if kept:
        keys = json.dumps([[t, p, pid] for t, p, pid, _, _ in kept])
        async with conn.execute(_KNOWN, (keys,)) as cur:
            known = {(r[0], r[1], r[2]) for r in await cur.fetchall()}
        for t, p, pid, _, _ in kept:
            if (t, p, pid) not in known:
                sums[(t, p)][3] += 1
                known.add((t, p, pid))
        await conn.executemany(_KEPT, kept)
    await conn.executemany(_TEAM_SCORE, [(t, p, *v) for (t, p), v in sorted(sums.items())])
