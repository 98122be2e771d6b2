"""Security: `quizbot run` with a refused token prints no token, even logging at DEBUG."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import FIXTURE_BANK, ROOT
from tests.security.leaks import (
    DISCORD_WRONG,
    SLACK_APP_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_WRONG_APP,
    SLACK_WRONG_BOT,
    secrets_in,
)
from tests.security.platforms import StrictDiscord, StrictSlack


async def _run_cli(env: dict[str, str], within: float = 30) -> tuple[int | None, str]:
    """Run `python -m bot run`; (exit code or None if it was still running after `within` s, its output)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    chunks: list[bytes] = []

    async def drain(stream: asyncio.StreamReader | None) -> None:
        while stream is not None and (data := await stream.read(65536)):
            chunks.append(data)

    readers = [asyncio.create_task(drain(proc.stdout)), asyncio.create_task(drain(proc.stderr))]
    code: int | None
    try:
        code = await asyncio.wait_for(proc.wait(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        code = None
    await asyncio.gather(*readers)
    return code, b"".join(chunks).decode(errors="replace")


def _child_env(db: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    return (
        keep
        | {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "QUIZBOT_LOG_LEVEL": "DEBUG",
            "PYTHONWARNINGS": "ignore",
        }
        | extra
    )


async def test_quizbot_run_with_a_bad_discord_token_prints_no_token(
    discord_server: StrictDiscord, tmp_path: Path
) -> None:
    code, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            DISCORD_TOKEN=DISCORD_WRONG,
            QUIZBOT_DISCORD_API_URL=discord_server.api_base,
            QUIZBOT_DISCORD_GATEWAY_URL=discord_server.gateway_url,
        )
    )
    assert code == 1 and "Discord refused the token" in output, output
    assert "DEBUG" in output  # it did log at DEBUG, so there was every chance to leak
    assert secrets_in(output) == []


async def test_quizbot_run_with_a_bad_slack_token_prints_no_token(
    slack_server: StrictSlack, tmp_path: Path
) -> None:
    code, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            SLACK_BOT_TOKEN=SLACK_WRONG_BOT,
            SLACK_APP_TOKEN=SLACK_APP_TOKEN,
            QUIZBOT_SLACK_API_URL=slack_server.api_url,
        )
    )
    assert code not in (0, None) and "invalid_auth" in output, output
    assert "DEBUG" in output
    assert secrets_in(output) == []


async def test_quizbot_run_with_a_bad_slack_app_token_prints_no_token(
    slack_server: StrictSlack, tmp_path: Path
) -> None:
    _, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            SLACK_BOT_TOKEN=SLACK_BOT_TOKEN,
            SLACK_APP_TOKEN=SLACK_WRONG_APP,
            QUIZBOT_SLACK_API_URL=slack_server.api_url,
        ),
        within=6,
    )
    assert "invalid_auth" in output and "apps.connections.open" in output, output
    assert secrets_in(output) == []
