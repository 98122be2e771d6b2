"""A quizbot database with something in every table, made through the real services and stores (no SQL):
two communities, channel settings, schedules, rounds revealed, closed, open and failed, answers over several
weeks and a month end, teams founded, joined, left and switched while questions are open, competitions of
players and of teams (one ended early), study sessions with their memories, a report, a reminder and a recap.

`rows_of` reads every table's full rows, on either store, for comparing two databases row for row."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path
from typing import Any

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.errors import NotFoundError
from bot.core.ports import PostError
from bot.core.rounds import Round
from bot.core.service import QuizService
from bot.core.study.service import StudyService
from bot.core.study.session import SessionKind
from bot.storage.opening import open_store
from bot.storage.tables import COPIED
from tests.conftest import Clock, RecordingChat
from tests.pg_server import fetch_rows, is_postgres

DAY = 86_400.0
START = 1_790_000_000.0  # 2026-09-21, a Monday


async def build(target: Path | str, bank: Bank, *, seed: int = 1, steps: int = 60) -> None:
    """Fill the database `target` names (a SQLite path or a postgresql:// URL)."""
    store: Any = await open_store(target)
    clock, chat, rng = Clock(START), RecordingChat(), random.Random(seed)
    writer = store.answer_writer()
    service = QuizService(
        bank=bank,
        store=store,
        writer=writer,
        chat=chat,
        platform="console",
        clock=clock,
        rng=random.Random(seed),
    )
    admin = Admin(service)
    try:
        # the console's community, which the CLI's boards read
        channel = await service.channel("local", "quiz", ("Terminal", "quiz"))
        quiet = await service.channel("other", "general", ("Other", "general"))
        await admin.set_config(channel, "answer_window", "2m", admin=True)
        await store.add_schedule(channel.id, "0 9 * * 1-5", "Europe/Berlin", 90, clock.now)
        await store.set_configured_schedule(quiet.id, "*/30 * * * *", "UTC", clock.now)
        players = [f"u{i}" for i in range(8)]
        for i, team in enumerate(("Red", "Blue")):
            await admin.create_team(channel, team, players[i], players[i].upper())
        await admin.start_competition(channel, "Cup", "10d", admin=True)
        await admin.start_competition(channel, "Team cup", "20d", admin=True, kind="teams", rule="top 2")
        opened: list[Round] = []
        for step in range(steps):
            clock.now += rng.uniform(600, 0.6 * DAY)  # about three weeks: weeks and a month end
            if step == steps // 3:
                await admin.end_competition(channel, "Cup", admin=True)  # ended early
            roll = rng.random()
            if roll < 0.4:
                where = channel if rng.random() < 0.85 else quiet
                rnd = await service.ask(where, window=int(DAY))
                assert rnd.message_ref is not None
                for player in rng.sample(players, rng.randint(1, len(players))):
                    option = rng.randrange(len(rnd.question.options))
                    service.answer(
                        rnd.message_ref, player, player.upper(), option, clock.now + rng.uniform(0, 60)
                    )
                opened.append(rnd)
            elif roll < 0.65 and opened:
                closing = opened.pop(rng.randrange(len(opened)))
                await service.close_round(closing.id)
            else:  # a membership change, often while questions are open
                player, target = rng.choice(players), rng.choice([None, "Red", "Blue"])
                try:
                    if target is None:
                        await admin.leave_team(channel, player)
                    else:
                        await admin.join_team(channel, target, player, player.upper())
                except NotFoundError:  # leaving while in no team
                    pass
        for rnd in opened[:-1]:  # the last one stays open, with its answers unscored
            await service.close_round(rnd.id)
        await writer.flush()
        chat.fail_posts = 1
        with contextlib.suppress(PostError):  # a round that never reached the platform: 'failed'
            await service.ask(channel, window=60)
        await _study(store, bank, clock, channel.community_id)
        await store.claim_recap(channel.id, "week:2026-W39", clock.now)
    finally:
        await service.stop()
        await writer.close()
        await store.close()


async def _study(store: Any, bank: Bank, clock: Clock, community: int) -> None:
    study = StudyService(store, lambda: bank, clock=clock, rng=random.Random(3))
    assert await study.fold_channel_answers() > 0  # memories of the channel answers
    ann = (await store.player(community, "u0", "U0")).id
    first = await study.start(ann, SessionKind.PRACTICE, count=3)
    clock.now += 30
    await study.answer(ann, first.session_id, 0, 0)
    await study.end(ann)
    exam = await study.start(ann, SessionKind.EXAM, count=2)  # left open
    await study.answer(ann, exam.session_id, 0, 1)
    await study.report(ann, "t-eda-1", "two answers look right")
    await store.set_reminder(ann, True)
    await store.mark_reminded(ann, clock.now)


async def rows_of(store: Any, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    """Every row of a table, in one order whatever the store (None sorts first)."""
    names = ", ".join(f'"{c}"' for c in columns)
    rows = await fetch_rows(store, f"SELECT {names} FROM {table}")
    return sorted(rows, key=lambda r: [(v is not None, v) for v in r])


async def all_rows(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """table -> its rows, for every table a copy carries, in the SQLite schema's columns."""
    out = {}
    for table in COPIED:
        columns = await _sqlite_columns(table)
        out[table] = await rows_of(store, table, columns)
    assert is_postgres(store) or out["answers"], "the database is empty"
    return out


_COLUMNS: dict[str, list[str]] = {}


async def _sqlite_columns(table: str) -> list[str]:
    """The columns of a table in the SQLite store's schema (an in-memory database, migrated once)."""
    if not _COLUMNS:
        from bot.storage import Database

        db = await Database.open(":memory:")
        try:
            for name in COPIED:
                found = await db.conn.execute_fetchall(f"SELECT name FROM pragma_table_info('{name}')")
                _COLUMNS[name] = [r[0] for r in found]
        finally:
            await db.close()
    return _COLUMNS[table]
