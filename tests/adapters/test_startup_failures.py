"""Start-up failures of `quizbot run` on Discord and Slack: a short message naming what to fix, a non-zero exit.

Each case runs the real command as a subprocess against loopback: a closed port (connection refused), a
host name that cannot resolve, a socket that accepts and never answers, and the test servers refusing the
token. What is asserted is ours (exit code, a bound in time, the URL or variable named, no traceback, a
few lines at most), never discord.py's, aiohttp's or slack-bolt's wording.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_BANK
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer

ROOT = Path(__file__).resolve().parents[2]
BOUND = 2.0  # the first-connection bound the hanging cases run with (the shipped one is 30 s)
# The real entry point, with the start-up bound shortened so a hanging API costs seconds, not 30.
MAIN = """
import sys
bound = float(sys.argv.pop(1))
try:
    import bot.adapters.startup as startup
    startup.CONNECT_TIMEOUT = bound
except ImportError:  # code from before the bound: runs with none
    pass
from bot.__main__ import main
sys.exit(main(sys.argv[1:]))
"""
MOST_LINES = 3  # what a person reads: the reason, maybe a line of the client logging in


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Silent(str):
    """The URL of a server that accepts connections and never answers; `called` once a client connects."""

    called: asyncio.Event


@pytest.fixture
async def silent() -> AsyncIterator[Silent]:
    """http://127.0.0.1:PORT of a server that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []
    called = asyncio.Event()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        called.set()
        await reader.read()  # reads the request, answers nothing, until the client hangs up

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    url = Silent(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    url.called = called
    yield url
    for writer in held:
        writer.close()
    server.close()


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    return {
        **keep,
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
        **extra,
    }


async def run_bot(
    tmp_path: Path, env: dict[str, str], *, bound: float = BOUND, stop_when: asyncio.Event | None = None
) -> tuple[int, str, float]:
    """`quizbot --db ... run` as a subprocess: exit code, stderr and seconds taken.

    With `stop_when`, it gets SIGTERM once that is set (as `docker stop` would send it).
    """
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MAIN,
        str(bound),
        "--db",
        str(tmp_path / "db.sqlite3"),
        "run",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    if stop_when is not None:
        await asyncio.wait_for(stop_when.wait(), 30)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), bound + 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(
            f"still running {bound + 30:g} s after start: no bound on the first connection"
        ) from None
    assert proc.returncode is not None
    return proc.returncode, err.decode(), time.monotonic() - started


def assert_one_clear_failure(code: int, stderr: str, *names: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code != 0, stderr
    assert "Traceback" not in stderr, stderr
    assert len(lines) <= MOST_LINES, stderr
    # Nothing a person must act on but our message: no library notices (voice support, which token bolt
    # uses) before it. The level is our log format's field, not a library's wording.
    assert not [line for line in lines if " WARNING " in line or " ERROR " in line], stderr
    assert lines and lines[-1].startswith("quizbot: "), stderr
    for name in names:
        assert name in stderr, (name, stderr)


def discord_env(tmp_path: Path, api: str, gateway: str | None = None) -> dict[str, str]:
    extra = {"DISCORD_TOKEN": "test-token-not-secret", "QUIZBOT_DISCORD_API_URL": api}
    if gateway:
        extra["QUIZBOT_DISCORD_GATEWAY_URL"] = gateway
    return env_for(tmp_path, **extra)


def slack_env(tmp_path: Path, api: str) -> dict[str, str]:
    return env_for(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-not-secret",
        SLACK_APP_TOKEN="xapp-test-not-secret",
        QUIZBOT_SLACK_API_URL=api,
    )


# -- an API that cannot be reached -----------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "quizbot-no-such-host.invalid"])
async def test_discord_unreachable_api_is_one_line_naming_the_url(tmp_path: Path, host: str) -> None:
    api = f"http://{host.format(port=closed_port())}/api/v10"
    code, err, took = await run_bot(tmp_path, discord_env(tmp_path, api))
    assert_one_clear_failure(code, err, api, "QUIZBOT_DISCORD_API_URL")
    assert took < BOUND + 20  # refused at once; not waiting out the bound or retrying


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "quizbot-no-such-host.invalid"])
async def test_slack_unreachable_api_is_one_line_naming_the_url(tmp_path: Path, host: str) -> None:
    api = f"http://{host.format(port=closed_port())}/api/"
    code, err, took = await run_bot(tmp_path, slack_env(tmp_path, api))
    assert_one_clear_failure(code, err, api, "QUIZBOT_SLACK_API_URL")
    assert took < BOUND + 20


# -- an API that accepts and never answers ---------------------------------------------------------


async def test_discord_silent_api_gives_up_after_the_bound(tmp_path: Path, silent: Silent) -> None:
    api = f"{silent}/api/v10"
    code, err, took = await run_bot(tmp_path, discord_env(tmp_path, api))
    assert_one_clear_failure(code, err, api, "QUIZBOT_DISCORD_API_URL")
    assert BOUND <= took < BOUND + 20


async def test_discord_silent_gateway_gives_up_naming_the_gateway(
    tmp_path: Path, silent: Silent, server: DiscordTestServer
) -> None:
    gateway = silent.replace("http://", "ws://") + "/gateway"
    code, err, took = await run_bot(tmp_path, discord_env(tmp_path, server.api_base, gateway))
    assert_one_clear_failure(code, err, gateway, "QUIZBOT_DISCORD_GATEWAY_URL")
    assert BOUND <= took < BOUND + 20


async def test_slack_silent_api_gives_up_after_the_bound(tmp_path: Path, silent: Silent) -> None:
    api = f"{silent}/api/"
    code, err, took = await run_bot(tmp_path, slack_env(tmp_path, api))
    assert_one_clear_failure(code, err, api, "QUIZBOT_SLACK_API_URL")
    assert BOUND <= took < BOUND + 20


# -- a token the platform refuses ------------------------------------------------------------------


async def test_discord_refused_gateway_is_one_line_naming_the_gateway(
    tmp_path: Path, server: DiscordTestServer
) -> None:
    # Logged in, then the gateway refuses: discord.py (2.7) retries once and then fails on a socket it never
    # had (AttributeError, printed as a traceback before); each retry is one warning line, the end ours.
    gateway = f"ws://127.0.0.1:{closed_port()}/gateway"
    code, err, _ = await run_bot(tmp_path, discord_env(tmp_path, server.api_base, gateway))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and "Traceback" not in err and len(lines) <= MOST_LINES + 1, err
    assert lines[-1].startswith("quizbot: cannot reach Discord's gateway at " + gateway), err
    assert "(connection refused)" in lines[-1] and "QUIZBOT_DISCORD_GATEWAY_URL" in lines[-1], err


async def test_discord_refused_token_is_one_line_naming_discord_token(
    tmp_path: Path, server: DiscordTestServer
) -> None:
    server.fail_next("GET", r"/users/@me", 401, message="401: Unauthorized")
    code, err, _ = await run_bot(tmp_path, discord_env(tmp_path, server.api_base, server.gateway_url))
    assert_one_clear_failure(code, err, "DISCORD_TOKEN")
    assert "test-token-not-secret" not in err


async def test_slack_refused_token_is_one_line_naming_slack_bot_token(
    tmp_path: Path, slack: SlackTestServer
) -> None:
    slack.fail_next("auth.test", "invalid_auth")
    code, err, _ = await run_bot(tmp_path, slack_env(tmp_path, slack.api_url))
    assert_one_clear_failure(code, err, "SLACK_BOT_TOKEN")
    assert "xoxb-test-not-secret" not in err


# -- stopped while still connecting ----------------------------------------------------------------


@pytest.mark.parametrize("platform", ["discord", "slack"])
async def test_sigterm_while_connecting_stops_at_once_and_quietly(
    tmp_path: Path, silent: Silent, platform: str
) -> None:
    env = discord_env(tmp_path, f"{silent}/api/v10") if platform == "discord" else slack_env(tmp_path, silent)
    # The bound is long: the stop, not the bound, must end it.
    code, err, took = await run_bot(tmp_path, env, bound=60, stop_when=silent.called)
    assert code == 0, err
    assert took < 10, err
    assert "Traceback" not in err and not [x for x in err.splitlines() if " WARNING " in x or " ERROR " in x]
