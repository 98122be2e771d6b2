"""SqliteStore: the Store port over one Database, assembled from one module per area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .community import CommunityRepo
from .db import Database
from .history import HistoryRepo
from .rounds import RoundRepo
from .schedules import ScheduleRepo
from .scores import ScoreRepo
from .study import StudyRepo
from .teams import TeamRepo
from .writer import AnswerWriter


class SqliteStore(CommunityRepo, TeamRepo, RoundRepo, ScoreRepo, ScheduleRepo, StudyRepo, HistoryRepo):
    """Every stored thing quizbot has, behind the core's Store protocol."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Open and migrate the database at `path`."""
        return cls(await Database.open(path))

    def answer_writer(self, **options: Any) -> AnswerWriter:
        """The group-commit answer writer for this store (the PostgreSQL store has its own)."""
        return AnswerWriter(self.db, **options)

    async def close(self) -> None:
        """Close the connection."""
        await self.db.close()
