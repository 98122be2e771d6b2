"""Security: admin operations are refused by our own code, in the core and on each platform."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.core.admin import Admin
from bot.core.errors import PermissionDeniedError
from bot.core.service import QuizService
from bot.scheduling import Scheduler
from bot.storage import SqliteStore
from tests.adapters.discord_harness import MANAGE_GUILD, sub
from tests.pg_server import fetch_rows
from tests.security.platforms import (
    StrictDiscord,
    StrictSlack,
    discord_bot,
    discord_command,
    shown_discord,
    slack_bot,
    slack_command,
)

ADMIN_METHODS = {
    "set_config",
    "add_schedule",
    "remove_schedule",
    "pause_schedule",
    "bind_role",
    "bind_group",
    "move_player",
    "start_competition",
    "end_competition",
}


def test_every_admin_operation_takes_the_callers_admin_flag() -> None:
    """An operation that changes settings, schedules, role teams or competitions must say who may call it."""
    found = {
        name
        for name, fn in inspect.getmembers(Admin, inspect.iscoroutinefunction)
        if not name.startswith("_") and "admin" in inspect.signature(fn).parameters
    }
    assert found == ADMIN_METHODS
    for name in ADMIN_METHODS:
        param = inspect.signature(getattr(Admin, name)).parameters["admin"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty


async def _snapshot(store: SqliteStore) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in ("channels", "schedules", "teams", "team_members", "competitions", "rounds", "score_rows"):
        out[table] = [tuple(r) for r in await fetch_rows(store, f"SELECT * FROM {table} ORDER BY 1")]
    return out


async def test_each_admin_operation_refuses_a_non_admin_in_the_core(
    service: QuizService, store: SqliteStore
) -> None:
    admin = Admin(service)
    scheduler = Scheduler(service, admin)
    admin.timetable = scheduler
    channel = await service.channel("g1", "c1")
    sid, _ = await admin.add_schedule(channel, "0 9 * * *", "UTC", None, admin=True)
    await admin.start_competition(channel, "Cup", "7d", admin=True)
    await store.player(channel.community_id, "u1", "Ann")
    before = await _snapshot(store)
    calls = {
        "set_config": lambda ok: admin.set_config(channel, "answer_window", "2m", admin=ok),
        "add_schedule": lambda ok: admin.add_schedule(channel, "0 10 * * *", "UTC", "10m", admin=ok),
        "remove_schedule": lambda ok: admin.remove_schedule(channel, sid, admin=ok),
        "pause_schedule": lambda ok: admin.pause_schedule(channel, sid, True, admin=ok),
        "bind_role": lambda ok: admin.bind_role(channel, "Reds", "2100", admin=ok),
        "bind_group": lambda ok: admin.bind_group(channel, "Blues", "S0B", admin=ok),
        "move_player": lambda ok: admin.move_player(channel, "u1", "Reds", admin=ok),
        "start_competition": lambda ok: admin.start_competition(channel, "Cup Two", "7d", admin=ok),
        "end_competition": lambda ok: admin.end_competition(channel, "Cup", admin=ok),
    }
    assert set(calls) == ADMIN_METHODS
    for name, call in calls.items():
        with pytest.raises(PermissionDeniedError, match="only admins"):
            await call(False)
        assert await _snapshot(store) == before, f"{name} changed something before refusing"
    # The same calls by an admin do work, so each refusal above was about the caller.
    for name, call in calls.items():
        if name != "remove_schedule":
            await call(True)
    await calls["remove_schedule"](True)
    assert await _snapshot(store) != before
    # Refused before anything else is checked: a non-admin learns nothing from the validation.
    with pytest.raises(PermissionDeniedError):
        await Admin(service).add_schedule(channel, "not a cron", "Mars/Base", "never", admin=False)
    with pytest.raises(PermissionDeniedError):
        await admin.set_config(channel, "no_such_setting", "x", admin=False)
    scheduler.shutdown()


def _db_state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("channels", "schedules", "teams", "competitions")
        }


def _group(name: str, verb: str, **values: object) -> list[dict[str, Any]]:
    return [{"type": 2, "name": name, "options": sub(verb, **values)}]


async def test_discord_admin_commands_are_refused_by_the_bot_when_discord_hides_nothing(
    discord_server: StrictDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    role = {"id": "2100", "name": "Red Team", "permissions": "0", "position": 1, "color": 0, "hoist": False}
    role |= {"managed": False, "mentionable": True, "flags": 0}
    bind = [
        {
            "type": 1,
            "name": "bind-role",
            "options": [
                {"type": 3, "name": "name", "value": "Reds"},
                {"type": 8, "name": "role", "value": "2100"},
            ],
        }
    ]
    async with discord_bot(discord_server, db):
        # The test server delivers every command whatever the member's permissions, as Discord does when a
        # server's admin has cleared the command's default permissions: only the bot's own check is left.
        await discord_command(
            discord_server,
            "quiz",
            _group("schedule", "add", cron="0 9 * * *", timezone="UTC"),
            permissions=MANAGE_GUILD,
        )
        await discord_command(
            discord_server, "competition", sub("start", name="Cup", ends="7d"), permissions=MANAGE_GUILD
        )
        before = _db_state(db)
        attempts: list[tuple[str, Any, dict[str, Any], int]] = [
            ("quiz", sub("config", setting="allow_changes", value="on"), {}, 1),
            ("quiz", _group("schedule", "add", cron="0 10 * * *", timezone="UTC"), {}, 1),
            ("quiz", _group("schedule", "remove", schedule=1), {}, 1),
            ("quiz", _group("schedule", "pause", schedule=1), {}, 1),
            ("quiz", _group("schedule", "resume", schedule=1), {}, 1),
            ("team", bind, {"resolved": {"roles": {"2100": role}}}, 1),
            ("competition", sub("start", name="Cup Two", ends="7d"), {}, 1),
            ("competition", sub("end", name="Cup"), {}, 2),  # deferred, then the refusal
        ]
        for name, options, extra, count in attempts:
            iid = await discord_server.interact(name, options, permissions="0", **extra)
            bodies = await discord_server.wait_for_response(iid, count=count)
            assert "only server admins" in shown_discord(bodies), (name, options)
            assert any(((b.get("data", b) or {}).get("flags") or 0) & 64 for b in bodies), (
                "refusals are ephemeral"
            )
        assert _db_state(db) == before


async def test_slack_admin_commands_are_refused_to_members(slack_server: StrictSlack, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with slack_bot(slack_server, db):
        assert "added" in await slack_command(slack_server, "schedule add '0 9 * * *' UTC", user="UADMIN")
        assert "started" in await slack_command(slack_server, "competition start Cup 7d", user="UADMIN")
        before = _db_state(db)
        for text in (
            "config allow_changes on",
            "schedule add '0 10 * * *' UTC",
            "schedule remove 1",
            "schedule pause 1",
            "schedule resume 1",
            "competition start Cup2 7d",
            "competition end Cup",
        ):
            reply = await slack_command(slack_server, text, user="U1")
            assert "only workspace admins" in reply, text
        assert _db_state(db) == before
