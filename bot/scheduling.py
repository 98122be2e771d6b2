"""Per-channel schedules on APScheduler 3: one job per distinct cron + time zone, fanning out."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .core.admin import Admin, check_timezone
from .core.errors import InvalidInputError, QuizError, quoted
from .core.records import ChannelRecord, ScheduleRecord
from .core.service import QuizService

log = logging.getLogger(__name__)

GRACE_SECONDS = 600  # a post missed by up to ten minutes (a restart, a busy loop) is still made, once
FAN_OUT = 16  # posts in flight at once when many channels share a time
RECAP_EVERY = 600  # seconds between looks for a weekly recap to post (each goes out once)


_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def _weekday_field(field: str) -> str:
    """Standard cron weekdays (0 or 7 = Sunday) as names: APScheduler 3 numbers them from Monday."""
    names: list[str] = []
    for part in field.lower().split(","):
        body, _, step_text = part.partition("/")
        if not any(ch.isdigit() for ch in body) and not step_text:
            names.append(part)  # '*', 'mon', 'mon-fri': names mean the same in both
            continue
        try:
            if body == "*":
                low, high = 0, 6
            elif "-" in body:
                a, _, b = body.partition("-")
                low, high = int(a), int(b)
            else:
                low = high = int(body)
            step = int(step_text) if step_text else 1
        except ValueError:
            raise ValueError(
                f"day of week '{part}' is not a day 0-7, a range such as 1-5 or a name"
            ) from None
        if not (0 <= low <= 7 and 0 <= high <= 7 and low <= high and step >= 1):
            raise ValueError(f"day of week '{part}' is out of range 0-7")
        names += [_DAYS[d % 7] for d in range(low, high + 1, step)]
    return ",".join(dict.fromkeys(names))


_CRON_FORM = "minute (0-59) hour (0-23) day (1-31) month (1-12) weekday (0-7 or sun-sat), e.g. '0 9 * * 1-5'"


def trigger(cron: str, timezone: str) -> CronTrigger:
    """A trigger for a standard 5-field cron in an IANA zone, or InvalidInputError saying what is wrong."""
    fields = cron.split()
    if len(fields) != 5:
        raise InvalidInputError(f"{quoted(cron)} has {len(fields)} fields; a cron has 5: {_CRON_FORM}")
    minute, hour, day, month, weekday = fields
    zone = ZoneInfo(check_timezone(timezone))
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekday_field(weekday),
            timezone=zone,
        )
    except (ValueError, KeyError) as exc:
        raise InvalidInputError(
            f"{quoted(cron)} is not a valid cron expression: {exc}; use {_CRON_FORM}"
        ) from None


def last_due(trig: CronTrigger, now: datetime, grace: float) -> datetime | None:
    """The latest firing at or before `now` and no older than `grace` seconds."""
    found = None
    t = trig.get_next_fire_time(None, now - timedelta(seconds=grace))
    while t is not None and t <= now:
        found = t
        t = trig.get_next_fire_time(t, t + timedelta(seconds=1))
    return found


class Scheduler:
    """Turns stored schedules into APScheduler jobs; the core's Timetable."""

    def __init__(self, service: QuizService, admin: Admin, *, grace: float = GRACE_SECONDS) -> None:
        self.service = service
        self.admin = admin
        self.grace = grace
        self._groups: dict[tuple[str, str], list[ScheduleRecord]] = {}
        self._gate = asyncio.Semaphore(FAN_OUT)
        self.recaps: Callable[[], Awaitable[int]] | None = None  # posts the weekly recaps that are due
        # Which communities' schedules this process fires (Discord shards split across processes: each
        # fires its own guilds', whose reactions reach it); by default all of its platform's.
        self.serves: Callable[[str], bool] = lambda community: True
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": int(grace), "max_instances": 1},
        )

    def describe(self, cron: str, timezone: str) -> str:
        """Validate a cron + zone and say when it next fires."""
        nxt = trigger(cron, timezone).get_next_fire_time(None, datetime.now(ZoneInfo(timezone)))
        if nxt is None:  # such as '0 9 30 2 *': there is no 30 February
            raise InvalidInputError(f"{quoted(cron)} never fires: no date matches its day and month")
        return f"next: {nxt:%a %Y-%m-%d %H:%M} {timezone}"

    async def start(self) -> None:
        """Build jobs, make any post missed while down (once), and start ticking."""
        self._aps.start()
        await self.refresh()
        await self.catch_up()
        self._aps.add_job(
            self.admin.finish_due_competitions,
            IntervalTrigger(seconds=30),
            id="competitions",
            next_run_time=datetime.now(UTC),
        )
        if self.recaps is not None:  # at start (a week that ended while down) and every few minutes
            self._aps.add_job(
                self.recaps,
                IntervalTrigger(seconds=RECAP_EVERY),
                id="recaps",
                next_run_time=datetime.now(UTC),
            )

    async def refresh(self) -> None:
        """Rebuild one job per distinct (cron, zone) of the active schedules."""
        groups: dict[tuple[str, str], list[ScheduleRecord]] = defaultdict(list)
        for sched in await self.service.store.schedules(platform=self.service.platform):
            if not sched.paused and self.serves(sched.community):
                groups[(sched.cron, sched.timezone)].append(sched)
        for key in set(self._groups) - set(groups):
            self._aps.remove_job(self._job_id(key))
        for key in groups:
            if key not in self._groups:
                try:
                    trig = trigger(*key)
                except InvalidInputError:
                    log.error("schedule %s in %s is invalid; skipped", *key)
                    continue
                self._aps.add_job(self._fire_group, trig, args=[key], id=self._job_id(key))
        self._groups = dict(groups)

    @staticmethod
    def _job_id(key: tuple[str, str]) -> str:
        return f"cron:{key[1]}:{key[0]}"

    async def catch_up(self) -> int:
        """Post once for each schedule whose latest due time passed while the bot was down."""
        now, made = datetime.now(UTC), 0
        for key, members in self._groups.items():
            due = last_due(trigger(*key), now, self.grace)
            if due is None:
                continue
            late = [s for s in members if s.last_fired_at is None or s.last_fired_at < due.timestamp()]
            made += await self._fire_all(late, due.timestamp())
        return made

    async def _fire_group(self, key: tuple[str, str]) -> None:
        due = last_due(trigger(*key), datetime.now(UTC), self.grace)
        if due is not None:
            await self._fire_all(self._groups.get(key, []), due.timestamp())

    async def _fire_all(self, schedules: list[ScheduleRecord], due_at: float) -> int:
        """Fire many schedules through a few workers: thousands due at once never become thousands of
        waiting tasks (each creation holds the loop, and each waiting task is more for the collector)."""
        pending = iter(schedules)
        made = 0

        async def worker() -> None:
            nonlocal made
            for sched in pending:  # shared: each schedule is taken by exactly one worker
                made += await self._fire(sched, due_at)

        await asyncio.gather(*(worker() for _ in range(min(FAN_OUT, len(schedules)))))
        return made

    async def _fire(self, sched: ScheduleRecord, due_at: float) -> bool:
        async with self._gate:
            try:
                return await self.service.fire_schedule(sched, due_at) is not None
            except QuizError as exc:
                log.warning("schedule #%s could not post: %s", sched.id, exc)
            except Exception:
                log.exception("schedule #%s failed", sched.id)
            return False

    def every(self, seconds: float, channel: ChannelRecord) -> None:
        """Ask in `channel` every `seconds`, the first time `seconds` from now (the console's try-it mode);
        each question with the channel's settings as stored when it is asked."""

        async def ask() -> None:
            try:
                await self.service.ask(channel)
            except QuizError as exc:
                log.warning("could not ask: %s", exc)

        self._aps.add_job(
            ask, IntervalTrigger(seconds=seconds), id=f"every:{channel.id}", replace_existing=True
        )

    def shutdown(self) -> None:
        """Stop all jobs."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
