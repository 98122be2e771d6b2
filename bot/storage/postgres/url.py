"""Telling a PostgreSQL URL from a SQLite path, without importing asyncpg."""

from __future__ import annotations

import re
from pathlib import Path


def is_postgres_url(target: str | Path | None) -> bool:
    """Whether a database setting names a PostgreSQL server (postgresql://...) rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)
