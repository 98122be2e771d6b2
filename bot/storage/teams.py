"""Team membership with its history, and team boards read from the totals kept as rounds close."""

from __future__ import annotations

import sqlite3

import aiosqlite

from ..core.errors import ConflictError
from ..core.records import MemberSpan, TeamTotals
from .db import Database

# A member's totals within a team live on their team_members row while they stay (migration 0007). Leaving
# moves them to rows of team_member_points; coming back moves them onto the new row again, so a (team,
# period, player) total is in exactly one place and "answered before, here, in this period" stays one test.
_ARCHIVE = """
INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered)
SELECT team_id, period, player_id, points, correct, answered FROM (
    SELECT team_id, 'all' AS period, player_id, points, correct, answered FROM team_members
        WHERE player_id = ?1 AND answered > 0
    UNION ALL
    SELECT team_id, week, player_id, week_points, week_correct, week_answered FROM team_members
        WHERE player_id = ?1 AND week != ''
    UNION ALL
    SELECT team_id, month, player_id, month_points, month_correct, month_answered FROM team_members
        WHERE player_id = ?1 AND month != ''
) WHERE true
ON CONFLICT (team_id, period, player_id) DO UPDATE SET points = points + excluded.points,
    correct = correct + excluded.correct, answered = answered + excluded.answered
"""
_LATEST = """
SELECT period, points, correct, answered FROM team_member_points
WHERE team_id = ?1 AND player_id = ?2 AND period >= ?3 AND period < ?4 ORDER BY period DESC LIMIT 1
"""
_JOIN = """
INSERT INTO team_members (player_id, team_id, points, correct, answered, week, week_points, week_correct,
    week_answered, month, month_points, month_correct, month_answered)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# Every team with its totals in a period; ordered by the board's rule and cut at ?5 (-1: all), so a board of a
# thousand teams hands ten rows to Python. The order is the core's (bot/core/teams.py team_standings), which
# ranks the rows it is given; the average's order uses the exact ratio, its shown value one decimal. The top
# ?3 members' points are the team's kept top_points when they were summed for ?3 (a competition's own N, kept
# as rounds close: migration 0009), else summed here from the members' rows (one index probe per team).
_BOARD = """
SELECT * FROM (
    SELECT CAST(t.id AS TEXT) AS key, t.name, t.members, coalesce(s.points, 0) AS points,
        coalesce(s.correct, 0), coalesce(s.answered, 0), coalesce(s.active, 0) AS active,
        CASE WHEN ?3 > 0 THEN CASE WHEN s.top_n = ?3 THEN s.top_points ELSE (
            SELECT coalesce(sum(points), 0) FROM (SELECT points FROM team_member_points
            WHERE team_id = t.id AND period = ?2 ORDER BY points DESC LIMIT ?3)) END ELSE 0 END AS top
    FROM teams t LEFT JOIN team_scores s ON s.team_id = t.id AND s.period = ?2
    WHERE t.community_id = ?1
) ORDER BY CASE ?4 WHEN 'average' THEN CASE WHEN active > 0 THEN round(1.0 * points / active, 1) ELSE 0 END
    WHEN 'top' THEN top ELSE points END DESC, name COLLATE NOCASE, key LIMIT ?5
"""


class TeamRepo:
    """Who is in which team since when, and what each team won."""

    db: Database

    async def found_team(
        self, community_id: int, name: str, founder: str, founder_name: str, at: float = 0.0
    ) -> int:
        """Create a team with its founder in it (leaving any other), in one transaction: a refused name
        changes nothing."""
        try:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "INSERT INTO teams (community_id, name) VALUES (?, ?)", (community_id, name)
                )
                team_id = int(cur.lastrowid or 0)
                await conn.execute(
                    "INSERT INTO players (community_id, external_id, name) VALUES (?, ?, ?) "
                    "ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name",
                    (community_id, founder, founder_name),
                )
                async with conn.execute(
                    "SELECT id FROM players WHERE community_id = ? AND external_id = ?",
                    (community_id, founder),
                ) as c:
                    row = await c.fetchone()
                assert row is not None
                await _leave(conn, int(row[0]), at)
                await _join(conn, int(row[0]), team_id, at)
                return team_id
        except sqlite3.IntegrityError:
            raise ConflictError(f"a team called '{name}' already exists") from None

    async def join_team(self, player_id: int, team_id: int, at: float = 0.0) -> bool:
        """Put a player in a team from `at` on, leaving any other; False if they already were in it."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT team_id FROM team_members WHERE player_id = ?", (player_id,)
            ) as c:
                row = await c.fetchone()
            if row is not None and row[0] == team_id:
                return False
            await _leave(conn, player_id, at)
            await _join(conn, player_id, team_id, at)
            return True

    async def leave_team(self, player_id: int, at: float = 0.0) -> str | None:
        """Take a player out of their team from `at` on; the team's name, or None if they had none."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.player_id = ?",
                (player_id,),
            ) as cur:
                row = await cur.fetchone()
            await _leave(conn, player_id, at)
        return str(row[0]) if row else None

    async def team_member_ids(self, team_id: int) -> list[str]:
        """Platform ids of a team's current members."""
        rows = await self.db.reader.execute_fetchall(
            "SELECT p.external_id FROM team_members m JOIN players p ON p.id = m.player_id WHERE m.team_id = ?",
            (team_id,),
        )
        return [str(r[0]) for r in rows]

    async def communities_with_bound_teams(self, platform: str) -> list[tuple[int, str]]:
        """(id, platform id) of a platform's communities that have a team bound to a platform group."""
        rows = await self.db.reader.execute_fetchall(
            "SELECT co.id, co.external_id FROM communities co WHERE co.platform = ? "
            "AND EXISTS (SELECT 1 FROM teams t WHERE t.community_id = co.id AND t.role_ref IS NOT NULL)",
            (platform,),
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def member_spans(self, community_id: int) -> list[MemberSpan]:
        """Every stay of every player in a team of a community, in the order they began."""
        rows = await self.db.reader.execute_fetchall(
            "SELECT t.name, p.external_id, s.joined_at, s.left_at FROM team_spans s "
            "JOIN teams t ON t.id = s.team_id JOIN players p ON p.id = s.player_id "
            "WHERE t.community_id = ? ORDER BY s.joined_at, s.id",
            (community_id,),
        )
        return [MemberSpan(r[0], r[1], r[2], r[3]) for r in rows]

    async def team_board(
        self, community_id: int, period: str, top_n: int = 0, rule: str = "sum", limit: int | None = None
    ) -> list[TeamTotals]:
        """Teams of a community with their totals in a period bucket, best first under `rule` ('sum',
        'average', 'top'), the first `limit` (default all); with top_n, each also carries the sum of its top_n
        members' points there (kept for competitions; live weeks and months count in sum and active)."""
        rows = await self.db.reader.execute_fetchall(
            _BOARD, (community_id, period, top_n, rule, -1 if limit is None else limit)
        )
        return [TeamTotals(*r) for r in rows]

    async def team_contributors(self, team_id: int, period: str, limit: int) -> list[tuple[str, str, int]]:
        """(platform id, name, points) of a team's best members in a competition, most points first."""
        rows = await self.db.reader.execute_fetchall(
            "SELECT p.external_id, p.name, m.points FROM team_member_points m JOIN players p ON p.id = m.player_id "
            "WHERE m.team_id = ? AND m.period = ? AND m.answered > 0 ORDER BY m.points DESC, m.player_id LIMIT ?",
            (team_id, period, limit),
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def _leave(conn: aiosqlite.Connection, player_id: int, at: float) -> None:
    """Close the player's open span and move their live totals to rows of team_member_points."""
    await conn.execute(_ARCHIVE, (player_id,))
    await conn.execute("DELETE FROM team_members WHERE player_id = ?", (player_id,))
    await conn.execute(
        "UPDATE team_spans SET left_at = ? WHERE player_id = ? AND left_at IS NULL", (at, player_id)
    )


async def _join(conn: aiosqlite.Connection, player_id: int, team_id: int, at: float) -> None:
    """Open a span, and bring back what the player won for this team before (all-time, latest week, month)."""
    values: list[object] = [player_id, team_id]
    async with conn.execute(
        "DELETE FROM team_member_points WHERE team_id = ? AND period = 'all' AND player_id = ? "
        "RETURNING points, correct, answered",
        (team_id, player_id),
    ) as cur:
        row = await cur.fetchone()
    values += list(row) if row else [0, 0, 0]
    for low, high in (("week:", "week;"), ("month:", "month;")):
        async with conn.execute(_LATEST, (team_id, player_id, low, high)) as cur:
            row = await cur.fetchone()
        if row is None:
            values += ["", 0, 0, 0]
            continue
        values += list(row)
        await conn.execute(
            "DELETE FROM team_member_points WHERE team_id = ? AND period = ? AND player_id = ?",
            (team_id, row[0], player_id),
        )
    await conn.execute(_JOIN, values)
    await conn.execute(
        "INSERT INTO team_spans (team_id, player_id, joined_at) VALUES (?, ?, ?)", (team_id, player_id, at)
    )
