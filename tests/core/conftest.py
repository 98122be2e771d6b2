"""Fixtures of the core tests: the race tests' rig (tests/core/races_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.bank import Bank
from bot.storage import SqliteStore
from tests.conftest import Clock
from tests.core.races_support import Rig, build_rig


@pytest.fixture
async def rig(mini_bank: Bank, store: SqliteStore, clock: Clock) -> AsyncIterator[Rig]:
    r = build_rig(mini_bank, store, clock)
    yield r
    await r.service.stop()
    await r.writer.close()
