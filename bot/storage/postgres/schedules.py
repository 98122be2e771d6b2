"""Channel schedules on PostgreSQL (twin of bot/storage/schedules.py), and the once-only claim of each firing."""

from __future__ import annotations

from ...core.records import ScheduleRecord
from .db import PgDatabase

_SELECT = """
SELECT s.id, s.channel_id, ch.external_id, co.external_id, s.cron, s.timezone, s."window", s.paused,
       s.last_fired_at, s.configured
FROM schedules s JOIN channels ch ON ch.id = s.channel_id JOIN communities co ON co.id = ch.community_id
"""


class PgScheduleRepo:
    """Stored schedules."""

    db: PgDatabase

    async def add_schedule(
        self, channel_id: int, cron: str, timezone: str, window: int | None, at: float
    ) -> int:
        """Store a schedule; it fires from its next due time on (nothing before `at` is 'missed')."""
        async with self.db.transaction() as conn:
            found = await conn.fetchval(
                'INSERT INTO schedules (channel_id, cron, timezone, "window", created_at, last_fired_at) '
                "VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                channel_id,
                cron,
                timezone,
                window,
                at,
            )
            return int(found)

    async def schedules(
        self, community_id: int | None = None, platform: str | None = None
    ) -> list[ScheduleRecord]:
        """All schedules, one community's or one platform's, oldest first."""
        rows = await self.db.reader.fetch(
            _SELECT
            + "WHERE ($1::bigint IS NULL OR ch.community_id = $1) AND ($2::text IS NULL OR co.platform = $2) "
            "ORDER BY s.id",
            community_id,
            platform,
        )
        return [
            ScheduleRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], bool(r[9]))
            for r in rows
        ]

    async def set_configured_schedule(
        self, channel_id: int, cron: str | None, timezone: str, at: float
    ) -> tuple[int | None, bool, list[tuple[int, str, str]]]:
        """Make the channel's configured schedule `cron` in `timezone` (None: have none), in one transaction.

        Returns its id (None when there is none), whether it was added now, and the (id, cron, zone) of the
        configured schedules removed. Schedules added by a command are never touched."""
        async with self.db.transaction() as conn:
            # The channel's row first: two processes starting with the same configuration take turns here.
            await conn.execute("SELECT 1 FROM channels WHERE id = $1 FOR NO KEY UPDATE", channel_id)
            rows = await conn.fetch(
                "SELECT id, cron, timezone FROM schedules WHERE channel_id = $1 AND configured = 1 ORDER BY id",
                channel_id,
            )
            kept = next((r[0] for r in rows if cron is not None and (r[1], r[2]) == (cron, timezone)), None)
            removed = [(int(r[0]), str(r[1]), str(r[2])) for r in rows if r[0] != kept]
            if removed:
                await conn.execute(
                    "DELETE FROM schedules WHERE id = ANY($1::bigint[])", [r[0] for r in removed]
                )
            if kept is not None or cron is None:
                return kept, False, removed
            found = await conn.fetchval(
                'INSERT INTO schedules (channel_id, cron, timezone, "window", created_at, last_fired_at, '
                "configured) VALUES ($1, $2, $3, NULL, $4, $4, 1) RETURNING id",
                channel_id,
                cron,
                timezone,
                at,
            )
            return int(found), True, removed

    async def remove_schedule(self, community_id: int, schedule_id: int) -> bool:
        """Delete a schedule of this community; False if there is none with that id."""
        async with self.db.transaction() as conn:
            status = await conn.execute(
                "DELETE FROM schedules WHERE id = $1 AND channel_id IN "
                "(SELECT id FROM channels WHERE community_id = $2)",
                schedule_id,
                community_id,
            )
            return bool(status == "DELETE 1")

    async def set_schedule_paused(self, community_id: int, schedule_id: int, paused: bool) -> bool:
        """Pause or resume; False if this community has no such schedule."""
        async with self.db.transaction() as conn:
            status = await conn.execute(
                "UPDATE schedules SET paused = $1 WHERE id = $2 AND channel_id IN "
                "(SELECT id FROM channels WHERE community_id = $3)",
                int(paused),
                schedule_id,
                community_id,
            )
            return bool(status == "UPDATE 1")

    async def claim_fire(self, schedule_id: int, due_at: float) -> bool:
        """Claim the firing due at `due_at`; False if it (or a later one) was already claimed. Two processes
        claiming at once: the second waits for the first's row and, re-reading it, finds it claimed."""
        async with self.db.transaction() as conn:
            status = await conn.execute(
                "UPDATE schedules SET last_fired_at = $1 WHERE id = $2 AND paused = 0 "
                "AND (last_fired_at IS NULL OR last_fired_at < $1)",
                due_at,
                schedule_id,
            )
            return bool(status == "UPDATE 1")
