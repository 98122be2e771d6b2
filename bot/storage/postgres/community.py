"""Communities, channels, players, teams and competitions on PostgreSQL (twin of bot/storage/community.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import asyncpg

from ...core.config import ChannelConfig
from ...core.errors import ConflictError, NotFoundError
from ...core.records import ChannelRecord, CompetitionRecord, PlayerRecord, TeamRecord
from .db import PgDatabase

_CHANNEL = """
SELECT ch.id, ch.community_id, co.external_id, ch.external_id, ch.name, ch.config
FROM channels ch JOIN communities co ON co.id = ch.community_id
"""
_COMPETITION = (
    "SELECT id, community_id, channel_id, name, starts_at, ends_at, finished_at, kind, rule, top_n, repeats, "
    "series, season FROM competitions"
)
_DUE_COMPETITIONS = """
SELECT id, community_id, channel_id, name, starts_at, ends_at, finished_at, kind, rule, top_n, repeats, series,
    season FROM competitions
WHERE finished_at IS NULL AND ends_at <= $1
AND ($2::text IS NULL OR community_id IN (SELECT id FROM communities WHERE platform = $2)) ORDER BY ends_at
"""
_INSERT_COMPETITION = """
INSERT INTO competitions (community_id, channel_id, name, starts_at, ends_at, kind, rule, top_n, repeats, series,
    season) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id
"""
# A next season whose name someone took meanwhile is not started twice; the series goes on from the one kept.
_NEXT_SEASON = """
INSERT INTO competitions (community_id, channel_id, name, starts_at, ends_at, kind, rule, top_n, repeats, series,
    season) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id
"""
_TEAM = "SELECT t.id, t.name, t.role_ref, t.members FROM teams t "
_TEAM_NAMED = _TEAM + "WHERE t.community_id = $1 AND lower(t.name) = lower($2)"
_UPSERT_PLAYER = (
    "INSERT INTO players (community_id, external_id, name) VALUES ($1, $2, $3) "
    "ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name"
)


def _channel(row: Any) -> ChannelRecord:
    return ChannelRecord(row[0], row[1], row[2], row[3], row[4], ChannelConfig.from_json(json.loads(row[5])))


def _competition(row: Any) -> CompetitionRecord:
    return CompetitionRecord(*row)


class PgCommunityRepo:
    """Who and where: communities, channels, players, teams, competitions."""

    db: PgDatabase

    async def community(self, platform: str, external_id: str, name: str = "") -> int:
        """Id of a community, created on first sight."""
        sql = "SELECT id FROM communities WHERE platform = $1 AND external_id = $2"
        found = await self.db.reader.fetchval(sql, platform, external_id)
        if found is not None:
            return int(found)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO communities (platform, external_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                platform,
                external_id,
                name,
            )
        return await self.db.read_scalar(sql, platform, external_id)

    async def channel(
        self, community_id: int, external_id: str, name: str = "", config: ChannelConfig | None = None
    ) -> ChannelRecord:
        """A channel, created on first sight with `config` (default: the default settings); never changed after."""
        sql = _CHANNEL + "WHERE ch.community_id = $1 AND ch.external_id = $2"
        row = await self.db.reader.fetchrow(sql, community_id, external_id)
        if row:
            return _channel(row)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channels (community_id, external_id, name, config) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT DO NOTHING",
                community_id,
                external_id,
                name,
                json.dumps((config or ChannelConfig()).to_json()),
            )
        return _channel(await self.db.reader.fetchrow(sql, community_id, external_id))

    async def channel_by_id(self, channel_id: int) -> ChannelRecord:
        """A channel by our id."""
        row = await self.db.reader.fetchrow(_CHANNEL + "WHERE ch.id = $1", channel_id)
        if row is None:
            raise NotFoundError(f"channel {channel_id} does not exist")
        return _channel(row)

    async def save_channel_config(self, channel_id: int, config: ChannelConfig) -> None:
        """Store a channel's settings."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE channels SET config = $1 WHERE id = $2", json.dumps(config.to_json()), channel_id
            )

    async def player(self, community_id: int, external_id: str, name: str) -> PlayerRecord:
        """A player, created or renamed as needed."""
        async with self.db.transaction() as conn:
            await conn.execute(_UPSERT_PLAYER, community_id, external_id, name)
        found = await self.find_player(community_id, external_id)
        assert found is not None
        return found

    async def find_player(self, community_id: int, who: str) -> PlayerRecord | None:
        """A player by platform id, or else by display name (case-insensitive)."""
        sql = "SELECT id, external_id, name, streak, best_streak FROM players WHERE community_id = $1 AND "
        for clause in ("external_id = $2", "lower(name) = lower($2)"):
            row = await self.db.reader.fetchrow(sql + clause + " ORDER BY id LIMIT 1", community_id, who)
            if row:
                return PlayerRecord(*row)
        return None

    async def create_team(self, community_id: int, name: str) -> int:
        """Create a team; names are unique in a community, ignoring case."""
        try:
            async with self.db.transaction() as conn:
                return int(
                    await conn.fetchval(
                        "INSERT INTO teams (community_id, name) VALUES ($1, $2) RETURNING id",
                        community_id,
                        name,
                    )
                )
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"a team called '{name}' already exists") from None

    async def bind_role_to_team(self, community_id: int, name: str, role_ref: str) -> TeamRecord:
        """Make a role team `name`'s (created if new), in one transaction; a role bound to another team is
        refused with ConflictError before anything is written."""
        async with self.db.transaction() as conn:
            bound = await conn.fetchrow(
                _TEAM + "WHERE t.community_id = $1 AND t.role_ref = $2", community_id, role_ref
            )
            found = await conn.fetchrow(_TEAM_NAMED, community_id, name)
            team = TeamRecord(*found) if found else None
            if bound is not None and (team is None or bound[0] != team.id):
                raise ConflictError(f"that role is already bound to '{bound[1]}'")
            if team is None:
                team_id = await conn.fetchval(
                    "INSERT INTO teams (community_id, name) VALUES ($1, $2) RETURNING id", community_id, name
                )
                team = TeamRecord(int(team_id), name, None, 0)
            await conn.execute("UPDATE teams SET role_ref = $1 WHERE id = $2", role_ref, team.id)
        return TeamRecord(team.id, team.name, role_ref, team.members)

    async def find_team(self, community_id: int, name: str) -> TeamRecord | None:
        """A team by name, ignoring case."""
        row = await self.db.reader.fetchrow(_TEAM_NAMED, community_id, name)
        return TeamRecord(*row) if row else None

    async def team_by_role(self, community_id: int, role_ref: str) -> TeamRecord | None:
        """The team bound to a platform role."""
        row = await self.db.reader.fetchrow(
            _TEAM + "WHERE t.community_id = $1 AND t.role_ref = $2", community_id, role_ref
        )
        return TeamRecord(*row) if row else None

    async def bind_role(self, team_id: int, role_ref: str | None) -> None:
        """Bind (or unbind) a platform role to a team."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE teams SET role_ref = $1 WHERE id = $2", role_ref, team_id)

    async def teams(self, community_id: int) -> list[TeamRecord]:
        """A community's teams by name."""
        rows = await self.db.reader.fetch(
            _TEAM + "WHERE t.community_id = $1 ORDER BY lower(t.name), t.id", community_id
        )
        return [TeamRecord(*row) for row in rows]

    async def create_competition(
        self,
        community_id: int,
        channel_id: int | None,
        name: str,
        starts_at: float,
        ends_at: float,
        how: CompetitionRecord | None = None,
    ) -> int:
        """Start a competition; names are unique in a community. `how` gives its kind, rule, top_n, repeats,
        series and season (default: a one-off players' competition, teams summed)."""
        base = how or CompetitionRecord(0, 0, None, "", 0.0, 0.0, None)
        record = replace(
            base,
            community_id=community_id,
            channel_id=channel_id,
            name=name,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        try:
            async with self.db.transaction() as conn:
                return await _insert_competition(conn, record, next_season=False)
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"a competition called '{name}' already exists") from None

    async def competitions(self, community_id: int) -> list[CompetitionRecord]:
        """A community's competitions, newest first."""
        rows = await self.db.reader.fetch(
            _COMPETITION + " WHERE community_id = $1 ORDER BY starts_at DESC, id DESC", community_id
        )
        return [_competition(row) for row in rows]

    async def competitions_running(self, community_id: int, at: float) -> list[int]:
        """Ids of a community's competitions that count a question posted at `at` (started, not ended, not
        finished early), for scoring a closing round."""
        rows = await self.db.reader.fetch(
            "SELECT id FROM competitions WHERE community_id = $1 AND starts_at <= $2 AND $2 < ends_at "
            "AND finished_at IS NULL ORDER BY id",
            community_id,
            at,
        )
        return [int(row[0]) for row in rows]

    async def due_competitions(self, at: float, platform: str | None = None) -> list[CompetitionRecord]:
        """Competitions (of one platform's communities, if given) that ended but have no standings posted."""
        return [_competition(row) for row in await self.db.reader.fetch(_DUE_COMPETITIONS, at, platform)]

    async def finish_competition(
        self, competition_id: int, at: float, next_season: CompetitionRecord | None = None
    ) -> bool:
        """Mark a competition finished and start its next season, in one transaction; False if it already
        was finished (so standings post once and a season starts once, whichever process asks first: a second
        one waits for the row and then finds it finished)."""
        async with self.db.transaction() as conn:
            done = await conn.fetchval(
                "UPDATE competitions SET finished_at = $1, ends_at = least(ends_at, $1) "
                "WHERE id = $2 AND finished_at IS NULL RETURNING id",
                at,
                competition_id,
            )
            if done is None:
                return False
            if next_season is not None:
                await _insert_competition(conn, next_season, next_season=True)
            return True


async def _insert_competition(conn: Any, c: CompetitionRecord, *, next_season: bool) -> int:
    sql = _INSERT_COMPETITION
    if next_season:
        sql = _NEXT_SEASON
    values = (
        c.community_id,
        c.channel_id,
        c.name,
        c.starts_at,
        c.ends_at,
        c.kind,
        c.rule,
        c.top_n,
        c.repeats,
    )
    found = await conn.fetchval(sql, *values, c.series, c.season)
    return int(found or 0)
