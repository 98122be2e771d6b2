"""Team totals of a closed round on PostgreSQL (twin of bot/storage/team_totals.py): each answer counts for
the team its player was in when the question was posted (team_spans), on the member's live row while the
round's week and month are theirs, else on rows of team_member_points; team_scores grows by the round's sum."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ...core.results import ScoredAnswer

_CURRENT = (
    "SELECT player_id, team_id, week, month, answered FROM team_members WHERE player_id = ANY($1::bigint[])"
)
# Memberships that began or ended after the question was posted: only these players' current team may not be
# the one they were in then.
_CHANGED = """
SELECT player_id FROM team_spans WHERE joined_at > $1 AND player_id = ANY($2::bigint[])
UNION SELECT player_id FROM team_spans WHERE left_at > $1 AND player_id = ANY($2::bigint[])
"""
_TEAM_AT = """
SELECT team_id FROM team_spans
WHERE player_id = $1 AND joined_at <= $2 AND (left_at IS NULL OR left_at > $2) ORDER BY joined_at DESC LIMIT 1
"""
_LIVE = """
UPDATE team_members SET points = points + $1, correct = correct + $2, answered = answered + 1,
    week_points = week_points + $1, week_correct = week_correct + $2, week_answered = week_answered + 1,
    month_points = month_points + $1, month_correct = month_correct + $2, month_answered = month_answered + 1
WHERE player_id = $3
"""
_ALL = "UPDATE team_members SET points = points + $1, correct = correct + $2, answered = answered + 1 WHERE player_id = $3"
_WEEK_SAME = """
UPDATE team_members SET week_points = week_points + $1, week_correct = week_correct + $2,
    week_answered = week_answered + 1 WHERE player_id = $3
"""
_WEEK_NEW = "UPDATE team_members SET week = $4, week_points = $1, week_correct = $2, week_answered = 1 WHERE player_id = $3"
_MONTH_SAME = """
UPDATE team_members SET month_points = month_points + $1, month_correct = month_correct + $2,
    month_answered = month_answered + 1 WHERE player_id = $3
"""
_MONTH_NEW = "UPDATE team_members SET month = $4, month_points = $1, month_correct = $2, month_answered = 1 WHERE player_id = $3"
_KEPT = """
INSERT INTO team_member_points AS m (team_id, period, player_id, points, correct, answered)
VALUES ($1, $2, $3, $4, $5, 1)
ON CONFLICT (team_id, period, player_id) DO UPDATE SET
    points = m.points + excluded.points, correct = m.correct + excluded.correct, answered = m.answered + 1
"""
_KNOWN = """
SELECT m.team_id, m.period, m.player_id FROM team_member_points m
JOIN unnest($1::bigint[], $2::text[], $3::bigint[]) AS k (team_id, period, player_id)
    ON m.team_id = k.team_id AND m.period = k.period AND m.player_id = k.player_id
"""
# One row per team and period, in (team, period) order: two closes that share teams lock them in one order.
_TEAM_SCORE = """
INSERT INTO team_scores AS t (team_id, period, points, correct, answered, active) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (team_id, period) DO UPDATE SET points = t.points + excluded.points,
    correct = t.correct + excluded.correct, answered = t.answered + excluded.answered, active = t.active + excluded.active
"""
# Each touched team's sum of its N best members' points in each competition of the round that ranks by its top N
# members (top_n > 0), kept on its team_scores row (migration 0004): one index probe per team the round credited,
# on rows _TEAM_SCORE has just locked.
_TOP = """
UPDATE team_scores t SET top_n = c.top_n, top_points = (SELECT coalesce(sum(m.points), 0)::int FROM (
    SELECT points FROM team_member_points m WHERE m.team_id = t.team_id AND m.period = t.period
    ORDER BY points DESC LIMIT c.top_n) m)
FROM competitions c
WHERE c.id = ANY($2::bigint[]) AND c.top_n > 0 AND t.period = 'competition:' || c.id AND t.team_id = ANY($1::bigint[])
"""


async def credited_teams(
    conn: Any, player_ids: list[int], posted_at: float
) -> tuple[dict[int, int], dict[int, tuple[int, str, str, int]]]:
    """(player -> team they were in at `posted_at`, player -> their current live row)."""
    current = {
        int(r[0]): (int(r[1]), str(r[2]), str(r[3]), int(r[4]))
        for r in await conn.fetch(_CURRENT, player_ids)
    }
    changed = {int(r[0]) for r in await conn.fetch(_CHANGED, posted_at, player_ids)}
    teams = {pid: row[0] for pid, row in current.items() if pid not in changed}
    for pid in changed:
        team = await conn.fetchval(_TEAM_AT, pid, posted_at)
        if team is not None:
            teams[pid] = int(team)
    return teams, current


async def write_team_totals(
    conn: Any, scored: Sequence[ScoredAnswer], periods: Sequence[str], posted_at: float
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
        rows = await conn.fetch(_KNOWN, [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept])
        known = {(int(r[0]), str(r[1]), int(r[2])) for r in rows}
        for t, p, pid, _, _ in kept:
            if (t, p, pid) not in known:
                sums[(t, p)][3] += 1
                known.add((t, p, pid))
        await conn.executemany(_KEPT, kept)
    await conn.executemany(_TEAM_SCORE, [(t, p, *v) for (t, p), v in sorted(sums.items())])
    touched = sorted({t for t, p in sums if p in others})
    if touched:
        ids = [int(p.removeprefix("competition:")) for p in others if p.startswith("competition:")]
        await conn.execute(_TOP, touched, ids)
