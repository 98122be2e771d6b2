"""The platform lease in one process, on a real SQLite file: take, wait, refuse, lapse, release, health."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import lease as lease_module
from bot.app import assemble
from bot.lease import LeaseHeldError, Me, PlatformLease, health, holder_gone
from bot.settings import Settings, SettingsError
from bot.storage import Database
from bot.storage.lease import LeaseRow, lease_of, take_lease
from tests.conftest import FIXTURE_BANK, RecordingChat, until


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    d = await Database.open(tmp_path / "quiz.sqlite3")
    yield d
    await d.close()


def remote(platform: str, seconds: float, *, pid: int = 4242, now: float | None = None) -> LeaseRow:
    """A lease held by a process on another machine: nothing here can tell whether it still runs."""
    at = time.time() if now is None else now
    return LeaseRow(platform, f"far:{pid}:ab", "far", pid, "another-machine", at, at, at + seconds)


async def test_a_second_take_of_one_platform_waits_then_refuses_naming_the_holder(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    first = await PlatformLease.take(db, "discord", seconds=30)
    started = time.monotonic()
    with pytest.raises(LeaseHeldError) as refused:
        await PlatformLease.take(db, "discord", seconds=30, wait=0.6)
    assert time.monotonic() - started >= 0.5
    text = str(refused.value)
    assert f"pid {os.getpid()}" in text and "discord" in text and "\n" not in text
    assert any("waiting for the other quizbot" in r.getMessage() for r in caplog.records)
    held = await lease_of(db, "discord")
    assert held is not None and held.owner == first.me.owner  # the refused one changed nothing
    await first.release()
    assert await lease_of(db, "discord") is None


async def test_different_platforms_hold_leases_side_by_side(db: Database) -> None:
    leases = [await PlatformLease.take(db, p, seconds=30, wait=0) for p in ("discord", "slack", "console")]
    assert {(await lease_of(db, p)) is not None for p in ("discord", "slack", "console")} == {True}
    for lease in leases:
        await lease.release()


async def test_a_waiting_start_takes_the_lease_once_the_holder_releases_it(db: Database) -> None:
    first = await PlatformLease.take(db, "slack", seconds=30)
    second = asyncio.create_task(PlatformLease.take(db, "slack", seconds=30, wait=10))
    await asyncio.sleep(0.3)
    assert not second.done()
    await first.release()
    taken = await asyncio.wait_for(second, 5)
    held = await lease_of(db, "slack")
    assert held is not None and held.owner == taken.me.owner
    await taken.release()


async def test_a_lease_nobody_renews_lapses_and_is_taken_after_its_time(db: Database) -> None:
    assert await take_lease(db, remote("discord", 1.0), lambda _: False) is None
    started = time.monotonic()
    lease = await PlatformLease.take(db, "discord", seconds=30, wait=5)
    assert 0.5 <= time.monotonic() - started < 3  # waited for the lapse, not for the whole wait
    await lease.release()


async def test_a_renewed_remote_lease_is_never_taken(db: Database) -> None:
    row = remote("discord", 1.0)
    await take_lease(db, row, lambda _: False)

    async def keep_renewing() -> None:
        while True:
            await asyncio.sleep(0.2)
            now = time.time()
            await take_lease(db, remote("discord", 1.0, now=now), lambda _: False)

    renewing = asyncio.create_task(keep_renewing())
    try:
        with pytest.raises(LeaseHeldError):
            await PlatformLease.take(db, "discord", seconds=30, wait=2.5)
    finally:
        renewing.cancel()


async def test_the_holder_renews_its_lease_while_running(db: Database) -> None:
    lease = await PlatformLease.take(db, "console", seconds=1.5)
    before = await lease_of(db, "console")
    await asyncio.sleep(1.2)  # two renewals (every 0.5 s); it would have lapsed at 1.5 s without them
    after = await lease_of(db, "console")
    assert before is not None and after is not None
    assert after.heartbeat > before.heartbeat and after.expires > before.expires
    with pytest.raises(LeaseHeldError):
        await PlatformLease.take(db, "console", seconds=1.5, wait=1.0)
    await lease.release()


async def test_a_lease_taken_over_after_missed_renewals_stops_the_old_holder(db: Database) -> None:
    lost: list[str] = []
    old = await PlatformLease.take(db, "discord", seconds=1.5, on_lost=lambda: lost.append("stop"))
    assert old._keeper is not None
    old._keeper.cancel()  # this process stalls: no renewals
    await asyncio.sleep(1.6)
    await take_lease(db, remote("discord", 30), lambda held: held.expires <= time.time())
    old._keeper = asyncio.create_task(old._keep())  # it wakes up and renews
    await until(lambda: lost == ["stop"], within=3)
    assert old.lost
    await old.release()  # gives up nothing that is not its own
    held = await lease_of(db, "discord")
    assert held is not None and held.host == "far"


def test_a_holder_on_this_machine_whose_process_is_gone_is_replaced_at_once() -> None:
    me = Me.here()
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(done.stdout)
    row = LeaseRow("discord", f"x:{dead}:1", me.host, dead, me.machine, 0, 0, time.time() + 30)
    assert holder_gone(row, me)
    assert not holder_gone(LeaseRow(**{**row.__dict__, "pid": os.getppid()}), me)  # alive: the parent
    assert not holder_gone(LeaseRow(**{**row.__dict__, "machine": "another-machine"}), me)
    # this pid under another owner: an earlier start that held it before a restart reused the pid
    assert holder_gone(LeaseRow(**{**row.__dict__, "pid": me.pid, "owner": "x:1:old"}), me)


async def test_two_starts_in_one_process_do_not_take_each_others_lease(db: Database) -> None:
    first = await PlatformLease.take(db, "discord", seconds=30)
    with pytest.raises(LeaseHeldError):
        await PlatformLease.take(db, "discord", seconds=30, wait=0.2)
    await first.release()


async def test_assemble_holds_the_lease_until_it_is_torn_down(tmp_path: Path) -> None:
    db_path = tmp_path / "quiz.sqlite3"
    settings = Settings.from_env({"QUIZBOT_DB": str(db_path), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)})
    async with assemble(settings, RecordingChat(), "console"):
        ok, line = health(db_path, "console")
        assert ok, line
    ok, line = health(db_path, "console")
    assert not ok and "no quizbot holds a lease for console" in line


def test_lease_seconds_come_from_the_settings_and_nonsense_is_refused_by_name() -> None:
    assert Settings.from_env({}).lease_seconds == lease_module.LEASE_SECONDS
    assert Settings.from_env({"QUIZBOT_LEASE_SECONDS": "2.5"}).lease_seconds == 2.5
    for bad in ("0", "-3", "soon", "nan"):
        with pytest.raises(SettingsError, match="QUIZBOT_LEASE_SECONDS must be a number of seconds"):
            Settings.from_env({"QUIZBOT_LEASE_SECONDS": bad})


async def test_health_reports_a_fresh_live_lease_and_each_way_it_can_be_unhealthy(
    db: Database, tmp_path: Path
) -> None:
    path = Path(db.path)
    assert health(tmp_path / "none.sqlite3", None) == (
        False,
        f"unhealthy: no database at {tmp_path / 'none.sqlite3'}",
    )
    ok, line = health(path, None)
    assert not ok and line.startswith("unhealthy: no quizbot holds a lease for any platform")
    lease = await PlatformLease.take(db, "slack", seconds=30)
    assert health(path, "slack")[0] and health(path, None)[0] and health(path, None, local=True)[0]
    ok, line = health(path, "discord")
    assert not ok and "discord" in line
    now = time.time()
    assert not health(path, "slack", now=now + 25)[0]  # renewals stopped 25 s ago: stale, not yet lapsed
    assert not health(path, "slack", now=now + 31)[0]  # lapsed
    await lease.release()
    await take_lease(db, remote("discord", 30), lambda _: False)
    assert health(path, "discord")[0]  # elsewhere and fresh: nothing here says it stopped
    assert not health(path, "discord", local=True)[0]
    me = Me.here()
    gone = LeaseRow("console", "x:1:1", me.host, 2**22 + 12345, me.machine, 0, time.time(), time.time() + 30)
    await take_lease(db, gone, lambda _: False)
    ok, line = health(path, "console")
    assert not ok and "not running" in line


def test_health_of_a_file_without_leases_is_unhealthy(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    ok, line = health(path, None)
    assert not ok and line.startswith("unhealthy:") and "\n" not in line
