"""Communities, channels, players, teams and competitions."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

import aiosqlite

from ..core.config import ChannelConfig
from ..core.errors import ConflictError, NotFoundError
from ..core.records import ChannelRecord, CompetitionRecord, PlayerRecord, TeamRecord
from .db import Database

_CHANNEL = """
SELECT ch.id, ch.community_id, co.external_id, ch.external_id, ch.name, ch.config
FROM channels ch JOIN communities co ON co.id = ch.community_id
"""
_COMPETITION = "SELECT id, community_id, channel_id, name, starts_at, ends_at, finished_at, kind, rule, top_n, repeats, series, season FROM competitions"
_DUE_COMPETITIONS = """
SELECT id, community_id, channel_id, name, starts_at, ends_at, finished_at, kind, rule, top_n, repeats, series,
    season FROM competitions
WHERE finished_at IS NULL AND ends_at <= ?
AND (? IS NULL OR community_id IN (SELECT id FROM communities WHERE platform = ?)) ORDER BY ends_at
"""
_INTO_COMPETITIONS = """ INTO competitions (community_id, channel_id, name, starts_at, ends_at, kind, rule, top_n,
    repeats, series, season) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_COMPETITION = "INSERT" + _INTO_COMPETITIONS
# A next season whose name someone took meanwhile is not started twice; the series goes on from the one kept.
_NEXT_SEASON = "INSERT OR IGNORE" + _INTO_COMPETITIONS
_TEAM = "SELECT t.id, t.name, t.role_ref, t.members FROM teams t "


def _channel(row: Any) -> ChannelRecord:
    return ChannelRecord(row[0], row[1], row[2], row[3], row[4], ChannelConfig.from_json(json.loads(row[5])))


def _competition(row: Any) -> CompetitionRecord:
    return CompetitionRecord(*row)


class CommunityRepo:
    """Who and where: communities, channels, players, teams, competitions."""

    db: Database

    async def community(self, platform: str, external_id: str, name: str = "") -> int:
        """Id of a community, created on first sight."""
        async with self.db.reader.execute(
            "SELECT id FROM communities WHERE platform = ? AND external_id = ?",
            (platform, external_id),
        ) as cur:
            row = await cur.fetchone()
        if row:
            return int(row[0])
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO communities (platform, external_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (platform, external_id, name),
            )
        return await self.db.read_scalar(
            "SELECT id FROM communities WHERE platform = ? AND external_id = ?",
            (platform, external_id),
        )

    async def channel(
        self, community_id: int, external_id: str, name: str = "", config: ChannelConfig | None = None
    ) -> ChannelRecord:
        """A channel, created on first sight with `config` (default: the default settings); never changed after."""
        sql = _CHANNEL + "WHERE ch.community_id = ? AND ch.external_id = ?"
        async with self.db.reader.execute(sql, (community_id, external_id)) as cur:
            row = await cur.fetchone()
        if row:
            return _channel(row)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channels (community_id, external_id, name, config) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (community_id, external_id, name, json.dumps((config or ChannelConfig()).to_json())),
            )
        async with self.db.reader.execute(sql, (community_id, external_id)) as cur:
            return _channel(await cur.fetchone())

    async def channel_by_id(self, channel_id: int) -> ChannelRecord:
        """A channel by our id."""
        async with self.db.reader.execute(_CHANNEL + "WHERE ch.id = ?", (channel_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise NotFoundError(f"channel {channel_id} does not exist")
        return _channel(row)

    async def save_channel_config(self, channel_id: int, config: ChannelConfig) -> None:
        """Store a channel's settings."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE channels SET config = ? WHERE id = ?",
                (json.dumps(config.to_json()), channel_id),
            )

    async def player(self, community_id: int, external_id: str, name: str) -> PlayerRecord:
        """A player, created or renamed as needed."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO players (community_id, external_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name",
                (community_id, external_id, name),
            )
        found = await self.find_player(community_id, external_id)
        assert found is not None
        return found

    async def find_player(self, community_id: int, who: str) -> PlayerRecord | None:
        """A player by platform id, or else by display name (case-insensitive)."""
        sql = "SELECT id, external_id, name, streak, best_streak FROM players WHERE community_id = ? AND "
        for clause in ("external_id = ?", "name = ? COLLATE NOCASE"):
            async with self.db.reader.execute(
                sql + clause + " ORDER BY id LIMIT 1", (community_id, who)
            ) as cur:
                row = await cur.fetchone()
            if row:
                return PlayerRecord(*row)
        return None

    async def create_team(self, community_id: int, name: str) -> int:
        """Create a team; names are unique in a community, ignoring case."""
        try:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "INSERT INTO teams (community_id, name) VALUES (?, ?)", (community_id, name)
                )
                return int(cur.lastrowid or 0)
        except sqlite3.IntegrityError:
            raise ConflictError(f"a team called '{name}' already exists") from None

    async def bind_role_to_team(self, community_id: int, name: str, role_ref: str) -> TeamRecord:
        """Make a role team `name`'s (created if new), in one transaction; a role bound to another team is
        refused with ConflictError before anything is written."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                _TEAM + "WHERE t.community_id = ? AND t.role_ref = ?", (community_id, role_ref)
            ) as cur:
                bound = await cur.fetchone()
            async with conn.execute(
                _TEAM + "WHERE t.community_id = ? AND t.name = ?", (community_id, name)
            ) as cur:
                found = await cur.fetchone()
            team = TeamRecord(*found) if found else None
            if bound is not None and (team is None or bound[0] != team.id):
                raise ConflictError(f"that role is already bound to '{bound[1]}'")
            if team is None:
                cur = await conn.execute(
                    "INSERT INTO teams (community_id, name) VALUES (?, ?)", (community_id, name)
                )
                team = TeamRecord(int(cur.lastrowid or 0), name, None, 0)
            await conn.execute("UPDATE teams SET role_ref = ? WHERE id = ?", (role_ref, team.id))
        return TeamRecord(team.id, team.name, role_ref, team.members)

    async def find_team(self, community_id: int, name: str) -> TeamRecord | None:
        """A team by name, ignoring case."""
        async with self.db.reader.execute(
            _TEAM + "WHERE t.community_id = ? AND t.name = ?", (community_id, name)
        ) as cur:
            row = await cur.fetchone()
        return TeamRecord(*row) if row else None

    async def team_by_role(self, community_id: int, role_ref: str) -> TeamRecord | None:
        """The team bound to a platform role."""
        async with self.db.reader.execute(
            _TEAM + "WHERE t.community_id = ? AND t.role_ref = ?", (community_id, role_ref)
        ) as cur:
            row = await cur.fetchone()
        return TeamRecord(*row) if row else None

    async def bind_role(self, team_id: int, role_ref: str | None) -> None:
        """Bind (or unbind) a platform role to a team."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE teams SET role_ref = ? WHERE id = ?", (role_ref, team_id))

    async def teams(self, community_id: int) -> list[TeamRecord]:
        """A community's teams by name."""
        async with self.db.reader.execute(
            _TEAM + "WHERE t.community_id = ? ORDER BY t.name", (community_id,)
        ) as cur:
            return [TeamRecord(*row) for row in await cur.fetchall()]

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
        except sqlite3.IntegrityError:
            raise ConflictError(f"a competition called '{name}' already exists") from None

    async def competitions(self, community_id: int) -> list[CompetitionRecord]:
        """A community's competitions, newest first."""
        async with self.db.reader.execute(
            _COMPETITION + " WHERE community_id = ? ORDER BY starts_at DESC, id DESC",
            (community_id,),
        ) as cur:
            return [_competition(row) for row in await cur.fetchall()]

    async def competitions_running(self, community_id: int, at: float) -> list[int]:
        """Ids of a community's competitions that count a question posted at `at` (started, not ended, not
        finished early), for scoring a closing round."""
        rows = await self.db.reader.execute_fetchall(
            "SELECT id FROM competitions WHERE community_id = ?1 AND starts_at <= ?2 AND ?2 < ends_at "
            "AND finished_at IS NULL ORDER BY id",
            (community_id, at),
        )
        return [row[0] for row in rows]

    async def due_competitions(self, at: float, platform: str | None = None) -> list[CompetitionRecord]:
        """Competitions (of one platform's communities, if given) that ended but have no standings posted."""
        async with self.db.reader.execute(
            _DUE_COMPETITIONS,
            (at, platform, platform),
        ) as cur:
            return [_competition(row) for row in await cur.fetchall()]

    async def finish_competition(
        self, competition_id: int, at: float, next_season: CompetitionRecord | None = None
    ) -> bool:
        """Mark a competition finished and start its next season, in one transaction; False if it already
        was finished (so standings post once and a season starts once)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE competitions SET finished_at = ?, ends_at = min(ends_at, ?) "
                "WHERE id = ? AND finished_at IS NULL",
                (at, at, competition_id),
            )
            if cur.rowcount != 1:
                return False
            if next_season is not None:
                await _insert_competition(conn, next_season, next_season=True)
            return True


async def _insert_competition(conn: aiosqlite.Connection, c: CompetitionRecord, *, next_season: bool) -> int:
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
    cur = await conn.execute(sql, (*values, c.series, c.season))
    return int(cur.lastrowid or 0)
