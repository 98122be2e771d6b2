"""Start-up failures of `quizbot run` on Discord with shards (QUIZBOT_SHARD_IDS, QUIZBOT_SHARD_COUNT): the same
short message and bound as one session has (tests/adapters/test_startup_failures.py), and a stop while a shard
is still connecting ends at once, quietly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.test_startup_failures import (
    BOUND,
    Silent,
    assert_one_clear_failure,
    closed_port,
    discord_env,
    run_bot,
    silent,
)
from tests.servers.discord import DiscordTestServer

__all__ = ["silent"]  # the fixture, for the tests here

# Every shard of two in this one process: a part of them needs PostgreSQL (bot/app.py), not what is tested here.
SHARDS = {"QUIZBOT_SHARD_IDS": "0,1", "QUIZBOT_SHARD_COUNT": "2"}


def sharded(tmp_path: Path, api: str, gateway: str | None = None) -> dict[str, str]:
    return {**discord_env(tmp_path, api, gateway), **SHARDS}


async def test_sharded_silent_gateway_gives_up_naming_the_gateway(
    tmp_path: Path, silent: Silent, server: DiscordTestServer
) -> None:
    gateway = silent.replace("http://", "ws://") + "/gateway"
    code, err, took = await run_bot(tmp_path, sharded(tmp_path, server.api_base, gateway))
    assert_one_clear_failure(code, err, gateway, "QUIZBOT_DISCORD_GATEWAY_URL")
    assert BOUND <= took < BOUND + 20


async def test_sharded_refused_token_is_one_line_naming_discord_token(
    tmp_path: Path, server: DiscordTestServer
) -> None:
    server.fail_next("GET", r"/users/@me", 401, message="401: Unauthorized")
    code, err, _ = await run_bot(tmp_path, sharded(tmp_path, server.api_base, server.gateway_url))
    assert_one_clear_failure(code, err, "DISCORD_TOKEN")


async def test_sharded_refused_gateway_retries_in_one_line_each_until_the_bound(
    tmp_path: Path, server: DiscordTestServer
) -> None:
    gateway = f"ws://127.0.0.1:{closed_port()}/gateway"
    code, err, took = await run_bot(tmp_path, sharded(tmp_path, server.api_base, gateway), bound=6)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and "Traceback" not in err, err
    assert lines[-1].startswith("quizbot: logged in, but Discord's gateway at ") and gateway in lines[-1], err
    retries = [line for line in lines if "cannot connect to Discord's gateway" in line]
    assert retries and all("shard 0" in line and "(connection refused)" in line for line in retries), err
    assert 6 <= took < 26


@pytest.mark.parametrize("shards", [SHARDS, {}], ids=["sharded", "one session"])
async def test_sigterm_while_the_gateway_is_silent_stops_at_once_and_quietly(
    tmp_path: Path, silent: Silent, server: DiscordTestServer, shards: dict[str, str]
) -> None:
    gateway = silent.replace("http://", "ws://") + "/gateway"
    env = {**discord_env(tmp_path, server.api_base, gateway), **shards}
    # The bound is long: the stop, not the bound, must end it.
    code, err, took = await run_bot(tmp_path, env, bound=60, stop_when=silent.called)
    assert code == 0, err
    assert took < 10, err
    assert "Traceback" not in err and not [x for x in err.splitlines() if " WARNING " in x or " ERROR " in x]


async def test_a_bot_discord_wants_sharded_is_told_to_run_on_shards(
    tmp_path: Path, server: DiscordTestServer
) -> None:
    server.sharding_required = True  # an IDENTIFY without a shard is closed with 4011
    code, err, _ = await run_bot(tmp_path, discord_env(tmp_path, server.api_base, server.gateway_url))
    assert_one_clear_failure(
        code, err, "too many servers for one session", "--shard-count", "QUIZBOT_SHARD_COUNT"
    )
