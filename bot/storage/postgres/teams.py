"""Team membership with its history, and team boards, on PostgreSQL (twin of bot/storage/teams.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from ...core.errors import ConflictError
from ...core.records import MemberSpan, TeamTotals
from .db import PgDatabase

# A member's totals within a team live on their team_members row while they stay; leaving moves them to rows
# of team_member_points, coming back moves them onto the new row again (see bot/storage/teams.py).
_ARCHIVE = """
INSERT INTO team_member_points AS t (team_id, period, player_id, points, correct, answered)
SELECT team_id, 'all', player_id, points, correct, answered FROM team_members WHERE player_id = $1 AND answered > 0
UNION ALL
SELECT team_id, week, player_id, week_points, week_correct, week_answered FROM team_members
    WHERE player_id = $1 AND week <> ''
UNION ALL
SELECT team_id, month, player_id, month_points, month_correct, month_answered FROM team_members
    WHERE player_id = $1 AND month <> ''
ON CONFLICT (team_id, period, player_id) DO UPDATE SET points = t.points + excluded.points,
    correct = t.correct + excluded.correct, answered = t.answered + excluded.answered
"""
_LATEST = """
SELECT period, points, correct, answered FROM team_member_points
WHERE team_id = $1 AND player_id = $2 AND period >= $3 AND period < $4 ORDER BY period DESC LIMIT 1
"""
_JOIN = """
INSERT INTO team_members (player_id, team_id, points, correct, answered, week, week_points, week_correct,
    week_answered, month, month_points, month_correct, month_answered)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
"""
# Every team with its totals in a period; ordered by the board's rule and cut at $5 (NULL: all), as in the SQLite
# store (the core's team_standings ranks the rows it is given). The top $3 members' points are the kept
# top_points when they were summed for $3 (a competition's own N, kept as rounds close: migration 0004), else
# summed here from the members' rows (one index probe per team).
_BOARD = """
SELECT * FROM (
    SELECT t.id::text AS key, t.name, t.members, coalesce(s.points, 0) AS points,
        coalesce(s.correct, 0), coalesce(s.answered, 0), coalesce(s.active, 0) AS active,
        CASE WHEN $3::int > 0 THEN CASE WHEN s.top_n = $3::int THEN s.top_points ELSE (
            SELECT coalesce(sum(points), 0)::int FROM (SELECT points FROM team_member_points
            WHERE team_id = t.id AND period = $2 ORDER BY points DESC LIMIT $3::int) top) END ELSE 0 END AS top
    FROM teams t LEFT JOIN team_scores s ON s.team_id = t.id AND s.period = $2
    WHERE t.community_id = $1
) b ORDER BY CASE $4::text WHEN 'average' THEN CASE WHEN active > 0 THEN round(points::numeric / active, 1) ELSE 0 END
    WHEN 'top' THEN top ELSE points END DESC, lower(name), key LIMIT $5::bigint
"""


class PgTeamRepo:
    """Who is in which team since when, and what each team won."""

    db: PgDatabase

    async def found_team(
        self, community_id: int, name: str, founder: str, founder_name: str, at: float = 0.0
    ) -> int:
        """Create a team with its founder in it (leaving any other), in one transaction: a refused name
        changes nothing."""
        try:
            async with self.db.transaction() as conn:
                team_id = int(
                    await conn.fetchval(
                        "INSERT INTO teams (community_id, name) VALUES ($1, $2) RETURNING id",
                        community_id,
                        name,
                    )
                )
                player_id = int(
                    await conn.fetchval(
                        "INSERT INTO players (community_id, external_id, name) VALUES ($1, $2, $3) "
                        "ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name RETURNING id",
                        community_id,
                        founder,
                        founder_name,
                    )
                )
                await _leave(conn, player_id, at)
                await _join(conn, player_id, team_id, at)
                return team_id
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"a team called '{name}' already exists") from None

    async def join_team(self, player_id: int, team_id: int, at: float = 0.0) -> bool:
        """Put a player in a team from `at` on, leaving any other; False if they already were in it."""
        async with self.db.transaction() as conn:
            current = await conn.fetchval(
                "SELECT team_id FROM team_members WHERE player_id = $1 FOR UPDATE", player_id
            )
            if current == team_id:
                return False
            await _leave(conn, player_id, at)
            await _join(conn, player_id, team_id, at)
            return True

    async def leave_team(self, player_id: int, at: float = 0.0) -> str | None:
        """Take a player out of their team from `at` on; the team's name, or None if they had none."""
        async with self.db.transaction() as conn:
            name = await conn.fetchval(
                "SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.player_id = $1",
                player_id,
            )
            await _leave(conn, player_id, at)
        return str(name) if name is not None else None

    async def team_member_ids(self, team_id: int) -> list[str]:
        """Platform ids of a team's current members."""
        rows = await self.db.reader.fetch(
            "SELECT p.external_id FROM team_members m JOIN players p ON p.id = m.player_id WHERE m.team_id = $1",
            team_id,
        )
        return [str(r[0]) for r in rows]

    async def communities_with_bound_teams(self, platform: str) -> list[tuple[int, str]]:
        """(id, platform id) of a platform's communities that have a team bound to a platform group."""
        rows = await self.db.reader.fetch(
            "SELECT co.id, co.external_id FROM communities co WHERE co.platform = $1 "
            "AND EXISTS (SELECT 1 FROM teams t WHERE t.community_id = co.id AND t.role_ref IS NOT NULL)",
            platform,
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def member_spans(self, community_id: int) -> list[MemberSpan]:
        """Every stay of every player in a team of a community, in the order they began."""
        rows = await self.db.reader.fetch(
            "SELECT t.name, p.external_id, s.joined_at, s.left_at FROM team_spans s "
            "JOIN teams t ON t.id = s.team_id JOIN players p ON p.id = s.player_id "
            "WHERE t.community_id = $1 ORDER BY s.joined_at, s.id",
            community_id,
        )
        return [MemberSpan(r[0], r[1], r[2], r[3]) for r in rows]

    async def team_board(
        self, community_id: int, period: str, top_n: int = 0, rule: str = "sum", limit: int | None = None
    ) -> list[TeamTotals]:
        """Teams of a community with their totals in a period bucket, best first under `rule` ('sum',
        'average', 'top'), the first `limit` (default all); with top_n, each also carries the sum of its top_n
        members' points there."""
        rows = await self.db.reader.fetch(_BOARD, community_id, period, top_n, rule, limit)
        return [TeamTotals(*r) for r in rows]

    async def team_contributors(self, team_id: int, period: str, limit: int) -> list[tuple[str, str, int]]:
        """(platform id, name, points) of a team's best members in a competition, most points first."""
        rows = await self.db.reader.fetch(
            "SELECT p.external_id, p.name, m.points FROM team_member_points m JOIN players p ON p.id = m.player_id "
            "WHERE m.team_id = $1 AND m.period = $2 AND m.answered > 0 ORDER BY m.points DESC, m.player_id LIMIT $3",
            team_id,
            period,
            limit,
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def _leave(conn: Any, player_id: int, at: float) -> None:
    """Close the player's open span and move their live totals to rows of team_member_points."""
    await conn.execute(_ARCHIVE, player_id)
    await conn.execute("DELETE FROM team_members WHERE player_id = $1", player_id)
    await conn.execute(
        "UPDATE team_spans SET left_at = $1 WHERE player_id = $2 AND left_at IS NULL", at, player_id
    )


async def _join(conn: Any, player_id: int, team_id: int, at: float) -> None:
    """Open a span, and bring back what the player won for this team before (all-time, latest week, month)."""
    values: list[object] = [player_id, team_id]
    row = await conn.fetchrow(
        "DELETE FROM team_member_points WHERE team_id = $1 AND period = 'all' AND player_id = $2 "
        "RETURNING points, correct, answered",
        team_id,
        player_id,
    )
    values += list(row) if row else [0, 0, 0]
    for low, high in (("week:", "week;"), ("month:", "month;")):
        row = await conn.fetchrow(_LATEST, team_id, player_id, low, high)
        if row is None:
            values += ["", 0, 0, 0]
            continue
        values += list(row)
        await conn.execute(
            "DELETE FROM team_member_points WHERE team_id = $1 AND period = $2 AND player_id = $3",
            team_id,
            row[0],
            player_id,
        )
    await conn.execute(_JOIN, *values)
    await conn.execute(
        "INSERT INTO team_spans (team_id, player_id, joined_at) VALUES ($1, $2, $3)", team_id, player_id, at
    )
