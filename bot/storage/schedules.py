"""Channel schedules: cron text in an IANA time zone, and the once-only claim of each firing."""

from __future__ import annotations

from ..core.records import ScheduleRecord
from .db import Database

_SELECT = """
SELECT s.id, s.channel_id, ch.external_id, co.external_id, s.cron, s.timezone, s.window, s.paused,
       s.last_fired_at, s.configured
FROM schedules s JOIN channels ch ON ch.id = s.channel_id JOIN communities co ON co.id = ch.community_id
"""


class ScheduleRepo:
    """Stored schedules."""

    db: Database

    async def add_schedule(
        self, channel_id: int, cron: str, timezone: str, window: int | None, at: float
    ) -> int:
        """Store a schedule; it fires from its next due time on (nothing before `at` is 'missed')."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO schedules (channel_id, cron, timezone, window, created_at, last_fired_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (channel_id, cron, timezone, window, at, at),
            )
            return int(cur.lastrowid or 0)

    async def schedules(
        self, community_id: int | None = None, platform: str | None = None
    ) -> list[ScheduleRecord]:
        """All schedules, one community's or one platform's, oldest first."""
        sql = (
            _SELECT
            + "WHERE (? IS NULL OR ch.community_id = ?) AND (? IS NULL OR co.platform = ?) ORDER BY s.id"
        )
        params = (community_id, community_id, platform, platform)
        async with self.db.reader.execute(sql, params) as cur:
            return [
                ScheduleRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], bool(r[9]))
                for r in await cur.fetchall()
            ]

    async def set_configured_schedule(
        self, channel_id: int, cron: str | None, timezone: str, at: float
    ) -> tuple[int | None, bool, list[tuple[int, str, str]]]:
        """Make the channel's configured schedule `cron` in `timezone` (None: have none), in one transaction.

        Returns its id (None when there is none), whether it was added now, and the (id, cron, zone) of the
        configured schedules removed. Schedules added by a command are never touched."""
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, cron, timezone FROM schedules WHERE channel_id = ? AND configured = 1 ORDER BY id",
                (channel_id,),
            )
            kept = next((r[0] for r in rows if cron is not None and (r[1], r[2]) == (cron, timezone)), None)
            removed = [(int(r[0]), str(r[1]), str(r[2])) for r in rows if r[0] != kept]
            await conn.executemany("DELETE FROM schedules WHERE id = ?", [(r[0],) for r in removed])
            if kept is not None or cron is None:
                return kept, False, removed
            cur = await conn.execute(
                "INSERT INTO schedules (channel_id, cron, timezone, window, created_at, last_fired_at, "
                "configured) VALUES (?, ?, ?, NULL, ?, ?, 1)",
                (channel_id, cron, timezone, at, at),
            )
            return int(cur.lastrowid or 0), True, removed

    async def remove_schedule(self, community_id: int, schedule_id: int) -> bool:
        """Delete a schedule of this community; False if there is none with that id."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM schedules WHERE id = ? AND channel_id IN "
                "(SELECT id FROM channels WHERE community_id = ?)",
                (schedule_id, community_id),
            )
            return cur.rowcount == 1

    async def set_schedule_paused(self, community_id: int, schedule_id: int, paused: bool) -> bool:
        """Pause or resume; False if this community has no such schedule."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE schedules SET paused = ? WHERE id = ? AND channel_id IN "
                "(SELECT id FROM channels WHERE community_id = ?)",
                (int(paused), schedule_id, community_id),
            )
            return cur.rowcount == 1

    async def claim_fire(self, schedule_id: int, due_at: float) -> bool:
        """Claim the firing due at `due_at`; False if it (or a later one) was already claimed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE schedules SET last_fired_at = ? WHERE id = ? AND paused = 0 "
                "AND (last_fired_at IS NULL OR last_fired_at < ?)",
                (due_at, schedule_id, due_at),
            )
            return cur.rowcount == 1
