"""Schedules on APScheduler 3: validation, one job per distinct time, catch-up once, never twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.core.admin import Admin
from bot.core.errors import InvalidInputError
from bot.core.service import QuizService
from bot.scheduling import Scheduler, last_due, trigger
from tests.conftest import RecordingChat
from tests.pg_server import execute


@pytest.mark.parametrize(
    ("cron", "message"),
    [("0 9 * *", "has 4 fields"), ("0 25 * * *", "not a valid cron"), ("every day", "has 2 fields")],
)
def test_bad_cron_says_what_is_wrong(cron: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        trigger(cron, "UTC")


def test_last_due_finds_the_latest_firing_within_grace() -> None:
    trig = trigger("*/5 * * * *", "UTC")
    now = datetime(2026, 11, 23, 10, 7, 30, tzinfo=UTC)
    assert last_due(trig, now, 600) == datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    assert last_due(trig, now, 60) is None  # 10:05 is 150 s ago, beyond a 60 s grace


def test_cron_follows_the_time_zone_across_dst() -> None:
    trig = trigger("0 9 * * *", "Europe/Berlin")
    before = trig.get_next_fire_time(None, datetime(2026, 3, 28, 6, tzinfo=UTC))
    after = trig.get_next_fire_time(None, datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert before is not None and after is not None
    assert before.astimezone(UTC).hour == 8 and after.astimezone(UTC).hour == 7  # 09:00 local both days


async def test_missed_post_is_made_once_at_start_and_jobs_are_grouped(
    service: QuizService, chat: RecordingChat
) -> None:
    admin = Admin(service)
    sched = Scheduler(service, admin)
    admin.timetable = sched
    one = await service.channel("g1", "c1")
    two = await service.channel("g1", "c2")
    await admin.add_schedule(one, "* * * * *", "UTC", "2m", admin=True)
    await admin.add_schedule(two, "* * * * *", "UTC", None, admin=True)
    await admin.add_schedule(two, "0 9 * * 1-5", "Europe/Berlin", None, admin=True)
    # Pretend both every-minute schedules last fired two minutes ago: the bot was down since.
    for s in await service.store.schedules():
        if s.cron == "* * * * *":
            await service.store.claim_fire(s.id, -1.0)
    await execute(service.store, "UPDATE schedules SET last_fired_at = ?", time.time() - 120)
    await sched.start()
    try:
        cron_jobs = sorted(j.id for j in sched._aps.get_jobs() if j.id.startswith("cron:"))
        assert cron_jobs == ["cron:Europe/Berlin:0 9 * * 1-5", "cron:UTC:* * * * *"]
        assert len(chat.questions) == 2  # one catch-up post per every-minute channel
        assert {q.window for q in chat.questions} == {120, 300}
        assert await sched.catch_up() == 0  # a second start posts nothing again
        assert len(chat.questions) == 2
        await admin.pause_schedule(two, 2, True, admin=True)
        cron_jobs = [j.id for j in sched._aps.get_jobs() if j.id.startswith("cron:")]
        assert "cron:UTC:* * * * *" in cron_jobs  # channel one still uses that time
    finally:
        sched.shutdown()


async def test_describe_says_when_it_next_fires(service: QuizService) -> None:
    sched = Scheduler(service, Admin(service))
    assert sched.describe("30 8 * * 1", "Asia/Tokyo").startswith("next: Mon ")
    assert sched.describe("30 8 * * 1", "Asia/Tokyo").endswith("08:30 Asia/Tokyo")


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("0", {"Sun"}),
        ("7", {"Sun"}),
        ("1", {"Mon"}),
        ("1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("6,0", {"Sat", "Sun"}),
        ("*/2", {"Sun", "Tue", "Thu", "Sat"}),
        ("mon-fri", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
        ("*", {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}),
    ],
)
def test_weekdays_follow_standard_cron_not_apscheduler_3(weekday: str, expected: set[str]) -> None:
    trig = trigger(f"0 12 * * {weekday}", "UTC")
    t = datetime(2026, 11, 22, tzinfo=UTC)  # a Sunday
    seen = set()
    for _ in range(14):
        nxt = trig.get_next_fire_time(None, t)
        assert nxt is not None
        seen.add(nxt.strftime("%a"))
        t = nxt.replace(hour=13)
    assert seen == expected
