"""Team totals of a closed round: each answer counts for the team its player was in when the question was
posted (team_spans), on the member's live row while the round's week and month are theirs, else on rows of
team_member_points; each team's total per period (team_scores) grows by the round's sum, in one row per team."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

import aiosqlite

from ..core.results import ScoredAnswer

# Memberships that began or ended after the question was posted: only these players' current team may not be
# the one they were in then (two small index ranges; a round is open for minutes). Marked by -1, they come back
# in one statement with one pass over the round's answers by current members (?1, below), grouped by team and
# by kind: 0 the common case (the member's live week and month are the round's, and it has not moved), with
# its sums for the team's totals; 1 off the common case (read again by _OFF); 2 moved. A round without members
# or without any off costs this one read.
_READ = """
SELECT player_id, -1, 0, 0, 0 FROM team_spans WHERE joined_at > ?4
UNION ALL SELECT player_id, -1, 0, 0, 0 FROM team_spans WHERE left_at > ?4
UNION ALL SELECT m.team_id, CASE WHEN m.week != ?2 OR m.month != ?3 THEN 1 WHEN m.player_id IN (
        SELECT player_id FROM team_spans WHERE joined_at > ?4
        UNION ALL SELECT player_id FROM team_spans WHERE left_at > ?4
    ) THEN 2 ELSE 0 END AS kind, sum((j.value >> 1) & 1048575), sum(j.value & 1), count(*)
FROM json_each(?1) j JOIN team_members m ON m.player_id = j.value >> 21 GROUP BY m.team_id, kind
"""
_TEAM_AT = """
SELECT team_id FROM team_spans
WHERE player_id = ?1 AND joined_at <= ?2 AND (left_at IS NULL OR left_at > ?2) ORDER BY joined_at DESC LIMIT 1
"""
_ROW = "SELECT team_id, week, month, answered FROM team_members WHERE player_id = ?"
# Members whose live week or month is not the round's (their first answer of a new week or month in this team,
# or a round closing late): few, handled one by one. Everyone else is the set-based common case below.
# Each statement reads the round's answers from ?1, a JSON array of integers player << 21 | points << 1 | correct
# (points are at most 3000 under the settings' bounds): bit operations cost nothing beside parsing JSON per row.
_OFF = """
SELECT m.player_id, m.team_id, m.week, m.month, m.answered FROM json_each(?1) j
JOIN team_members m ON m.player_id = j.value >> 21 WHERE m.week != ?2 OR m.month != ?3
"""
# The common case in a few statements, whatever the round's size: the members' live rows (one row change per
# answer, no index moves), each team's totals for every period (one row per team and period, from _READ's
# sums, bound as one row per team and period), and a running competition's rows per member. Python binds no
# answer of them.
# The live rows in two statements: the answers worth ?4 points and wrong (every wrong answer of a round: its
# points depend on neither time nor streak) are a one-pass update of the ids IN the array; the rest (the right
# ones) an UPDATE FROM, which SQLite runs in two passes through a table of the new values. Measured at 1000
# answers, a quarter right: 0.40 + 0.32 ms against 0.97 ms for all of them FROM. The low 21 bits of an entry
# are points << 1 | correct.
_LIVE_SAME = """
UPDATE team_members SET points = points + ?4, answered = answered + 1, week_points = week_points + ?4,
    week_answered = week_answered + 1, month_points = month_points + ?4, month_answered = month_answered + 1
WHERE player_id IN (SELECT value >> 21 FROM json_each(?1) WHERE value & 2097151 = ?4 << 1)
    AND week = ?2 AND month = ?3
"""
_LIVE = """
UPDATE team_members SET points = points + ((j.value >> 1) & 1048575), correct = correct + (j.value & 1),
    answered = answered + 1, week_points = week_points + ((j.value >> 1) & 1048575),
    week_correct = week_correct + (j.value & 1), week_answered = week_answered + 1,
    month_points = month_points + ((j.value >> 1) & 1048575), month_correct = month_correct + (j.value & 1),
    month_answered = month_answered + 1
FROM json_each(?1) j
WHERE j.value & 2097151 != ?4 << 1 AND team_members.player_id = j.value >> 21 AND team_members.week = ?2
    AND team_members.month = ?3
"""
_LIVE_NEW = """
SELECT m.team_id, count(*) FROM json_each(?1) j JOIN team_members m ON m.player_id = j.value >> 21
WHERE m.week = ?2 AND m.month = ?3 AND NOT EXISTS (
    SELECT 1 FROM team_member_points x WHERE x.team_id = m.team_id AND x.period = ?4 AND x.player_id = m.player_id)
GROUP BY m.team_id
"""
_LIVE_KEPT = """
INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered)
SELECT m.team_id, ?4, m.player_id, (j.value >> 1) & 1048575, j.value & 1, 1
FROM json_each(?1) j JOIN team_members m ON m.player_id = j.value >> 21 WHERE m.week = ?2 AND m.month = ?3
ON CONFLICT (team_id, period, player_id) DO UPDATE SET
    points = points + excluded.points, correct = correct + excluded.correct, answered = answered + 1
"""
_ACTIVE = "UPDATE team_scores SET active = active + ?3 WHERE team_id = ?1 AND period = ?2"
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
# A team's sums of the common case in every period: rows of it that are new start with no active member.
_LIVE_TEAM = """
INSERT INTO team_scores (team_id, period, points, correct, answered, active) VALUES (?, ?, ?, ?, ?, 0)
ON CONFLICT (team_id, period) DO UPDATE SET points = points + excluded.points,
    correct = correct + excluded.correct, answered = answered + excluded.answered
"""
_TEAM_SCORE = """
INSERT INTO team_scores (team_id, period, points, correct, answered, active) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (team_id, period) DO UPDATE SET points = points + excluded.points,
    correct = correct + excluded.correct, answered = answered + excluded.answered, active = active + excluded.active
"""
# Each touched team's sum of its N best members' points in a competition with an N (its 'top N' rule; 0 for the
# other rules, which keep none), on its team_scores row (migration 0009): one index probe per team the round
# credited. The competition's N is read once per statement (its subqueries name no row of the update).
_TOP = """
UPDATE team_scores SET top_n = (SELECT top_n FROM competitions WHERE id = ?3), top_points = (
    SELECT coalesce(sum(points), 0) FROM (SELECT points FROM team_member_points m
    WHERE m.team_id = team_scores.team_id AND m.period = ?2 ORDER BY points DESC
    LIMIT (SELECT top_n FROM competitions WHERE id = ?3)))
WHERE period = ?2 AND team_id IN (SELECT value FROM json_each(?1)) AND (SELECT top_n FROM competitions WHERE id = ?3) > 0
"""


async def write_team_totals(
    conn: aiosqlite.Connection, scored: Sequence[ScoredAnswer], periods: Sequence[str], posted_at: float
) -> None:
    """Credit a round's scored answers to the teams their players were in when it was posted, in every
    period bucket of `periods` ('all', its week and month, any 'competition:N')."""
    if not scored:
        return
    week = next((p for p in periods if p.startswith("week:")), "")
    month = next((p for p in periods if p.startswith("month:")), "")
    others = [p for p in periods if p != "all" and p not in (week, month)]
    if any(not 0 <= s.points < 1 << 20 for s in scored):
        raise ValueError("points of one answer out of range for team totals")
    # One statement reads who moved since the post and sums the round's answers by members per team and kind.
    rows = json.dumps([s.player_id << 21 | s.points << 1 | s.correct for s in scored])
    found = await conn.execute_fetchall(_READ, (rows, week, month, posted_at))
    changed = {r[0] for r in found if r[1] == -1}
    sums = [(r[0], r[2], r[3], r[4]) for r in found if r[1] == 0]
    moved = changed & {s.player_id for s in scored} if changed else changed
    current: dict[int, tuple[int, str, str, int]] = {}
    if any(r[1] == 1 for r in found):
        for r in await conn.execute_fetchall(_OFF, (rows, week, month)):
            if r[0] not in changed:
                current[r[0]] = (r[1], r[2], r[3], r[4])
    if moved:  # the common case's statements read the others' answers only
        steady = [s for s in scored if s.player_id not in moved]
        rows = json.dumps([s.player_id << 21 | s.points << 1 | s.correct for s in steady])
    teams = {pid: row[0] for pid, row in current.items()}
    for pid in moved:  # moved since the post: the team it was posted in
        async with conn.execute(_TEAM_AT, (pid, posted_at)) as cur:
            row = await cur.fetchone()
        if row is None:
            continue
        teams[pid] = int(row[0])
        async with conn.execute(_ROW, (pid,)) as cur:
            live = await cur.fetchone()
        current[pid] = (live[0], live[1], live[2], live[3]) if live else (0, "", "", 0)
    if sums:  # the common case, set-based; rows of moved players and of _OFF do not match its WHERE
        new_active = []
        for period in others:
            async with conn.execute(_LIVE_NEW, (rows, week, month, period)) as cur:
                new_active += [(t, period, n) for t, n in await cur.fetchall()]
            await conn.execute(_LIVE_KEPT, (rows, week, month, period))
        keys = ("all", week, month, *others)
        await conn.executemany(_LIVE_TEAM, [(t, p, *v) for t, *v in sums for p in keys])
        wrong = next((s.points for s in scored if not s.correct), 0)
        await conn.execute(_LIVE_SAME, (rows, week, month, wrong))
        await conn.execute(_LIVE, (rows, week, month, wrong))
        if new_active:
            await conn.executemany(_ACTIVE, new_active)
    off = [s for s in scored if s.player_id in teams]
    if off:
        await _write_off(conn, off, teams, current, (week, month, others))
    if others:
        touched = {t for t, *_ in sums} | {teams[s.player_id] for s in off}
        if touched:
            await write_top_points(conn, others, touched)


async def write_top_points(conn: aiosqlite.Connection, periods: Sequence[str], teams: set[int]) -> None:
    """Sum again, once the round's points are in, the N best members' points of `teams` in each competition of
    `periods` with an N (its 'top N' rule)."""
    wanted = json.dumps(sorted(teams))
    for period in periods:
        if period.startswith("competition:"):
            await conn.execute(_TOP, (wanted, period, int(period.removeprefix("competition:"))))


async def _write_off(
    conn: aiosqlite.Connection,
    scored: Sequence[ScoredAnswer],
    teams: dict[int, int],
    current: dict[int, tuple[int, str, str, int]],
    keys: tuple[str, str, list[str]],
) -> None:
    """Members off the common case, one by one: a new week or month, a late round, or a team left since."""
    week, month, others = keys
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
    for sql in (_ALL, _WEEK_SAME, _WEEK_NEW, _MONTH_SAME, _MONTH_NEW):
        if batches[sql]:
            await conn.executemany(sql, batches[sql])
    if kept:
        wanted = json.dumps([[t, p, pid] for t, p, pid, _, _ in kept])
        async with conn.execute(_KNOWN, (wanted,)) as cur:
            known = {(r[0], r[1], r[2]) for r in await cur.fetchall()}
        for t, p, pid, _, _ in kept:
            if (t, p, pid) not in known:
                sums[(t, p)][3] += 1
                known.add((t, p, pid))
        await conn.executemany(_KEPT, kept)
    await conn.executemany(_TEAM_SCORE, [(t, p, *v) for (t, p), v in sorted(sums.items())])
