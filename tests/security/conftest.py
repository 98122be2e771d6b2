"""Fixtures of the security tests: every logger at DEBUG, and the token-checking loopback servers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from tests.security.leaks import EVIL, LOGGERS, SLACK_SIGNING_SECRET
from tests.security.platforms import StrictDiscord, StrictSlack
from tests.servers.slack import DEFAULT_USERS


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog at DEBUG for the root logger and every library logger we use."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


@pytest.fixture
async def discord_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StrictDiscord]:
    srv = StrictDiscord()
    await srv.start()
    srv.patch_client_urls(monkeypatch)  # the bot points discord.py at it; pytest puts the URLs back
    yield srv
    await srv.stop()


@pytest.fixture
async def slack_server() -> AsyncIterator[StrictSlack]:
    users = {**DEFAULT_USERS, "UEVIL": {"name": EVIL}}
    srv = StrictSlack(signing_secret=SLACK_SIGNING_SECRET, users=users)
    await srv.start()
    yield srv
    await srv.stop()
