"""SQLite storage: the only package with SQL in it."""

from .db import Database
from .store import SqliteStore
from .writer import AnswerWriter

__all__ = ["AnswerWriter", "Database", "SqliteStore"]
