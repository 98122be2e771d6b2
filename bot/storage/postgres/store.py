"""PostgresStore: the same Store and StudyStore ports as SqliteStore, over a PostgreSQL pool."""

from __future__ import annotations

from typing import Any

from .community import PgCommunityRepo
from .db import PgDatabase
from .history import PgHistoryRepo
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

    @classmethod
    async def open(cls, url: str, **pool: Any) -> PostgresStore:
        """Connect to the database at `url` (postgresql://...) and migrate it."""
        return cls(await PgDatabase.open(url, **pool))

    def answer_writer(self, **options: Any) -> PgAnswerWriter:
        """The group-commit answer writer for this store."""
        return PgAnswerWriter(self.db, **options)

    async def close(self) -> None:
        """Close the pool."""
        await self.db.close()
