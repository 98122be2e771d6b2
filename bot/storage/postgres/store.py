"""PostgresStore: the same Store and StudyStore ports as SqliteStore, over a PostgreSQL pool."""

from __future__ import annotations

from typing import Any

from ...shards import Shards
from .community import PgCommunityRepo
from .db import PgDatabase
from .history import PgHistoryRepo
from .processes import adopt_orphans
from .rounds import PgRoundRepo
from .schedules import PgScheduleRepo
from .scores import PgScoreRepo
from .study import PgStudyRepo
from .teams import PgTeamRepo
from .writer import PgAnswerWriter


class PostgresStore(
    PgCommunityRepo, PgTeamRepo, PgRoundRepo, PgScoreRepo, PgScheduleRepo, PgStudyRepo, PgHistoryRepo
):
    """Every stored thing quizbot has, behind the core's Store protocol, on a PostgreSQL server."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db
        # The process lease's owner once this store serves a bot (bot/lease.py): its new rounds are its own,
        # a resume reads only its own, and it closes none that another process adopted. None: no bot process
        # (tests, the CLI): every round is seen.
        self.owner: str | None = None

    @classmethod
    async def open(cls, url: str, **pool: Any) -> PostgresStore:
        """Connect to the database at `url` (postgresql://...) and migrate it."""
        return cls(await PgDatabase.open(url, **pool))

    async def adopt_orphans(self, platform: str, shards: Shards | None, now: float) -> list[int]:
        """Take over (as `owner`) the platform's unfinished rounds of processes that are gone (processes.py)."""
        assert self.owner is not None, "only a bot process adopts rounds"
        return await adopt_orphans(self.db, self.owner, platform, shards, now)

    def answer_writer(self, **options: Any) -> PgAnswerWriter:
        """The group-commit answer writer for this store."""
        return PgAnswerWriter(self.db, **options)

    async def close(self) -> None:
        """Close the pool."""
        await self.db.close()
