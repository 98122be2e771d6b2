"""Fixtures for the platform tests: the loopback Discord and Slack test servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.servers.discord import DiscordTestServer
    from tests.servers.slack import SlackTestServer


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordTestServer]:
    """A Discord test server on loopback, with discord.py pointed at it."""
    from tests.servers.discord import DiscordTestServer

    srv = DiscordTestServer()
    await srv.start()
    srv.patch_client_urls(monkeypatch)
    yield srv
    await srv.stop()


@pytest.fixture
async def slack() -> AsyncIterator[SlackTestServer]:
    """A Slack test server on loopback (Web API, Socket Mode, response URLs)."""
    from tests.servers.slack import SlackTestServer

    srv = SlackTestServer()
    await srv.start()
    yield srv
    await srv.stop()
