"""A full season in the console, through the typed commands: teams, a recurring team competition under the
top-N rule, standings, the final standings posted with the winning team's best contributors, the next season
started by itself, a downtime that skips seasons closed once, and the history."""

from __future__ import annotations

import io
import random

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.run import ConsoleSession
from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.bank_schema import LETTERS
from bot.core.service import QuizService
from bot.storage import SqliteStore
from tests.conftest import Clock

DAY = 86_400.0


async def test_a_recurring_team_season_in_the_console(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    out = io.StringIO()
    chat = ConsoleChat(out)
    writer = store.answer_writer()
    service = QuizService(
        bank=mini_bank,
        store=store,
        writer=writer,
        chat=chat,
        platform="console",
        clock=clock,
        rng=random.Random(3),
    )
    admin = Admin(service)
    session = ConsoleSession(service, admin, chat, await service.channel("local", "terminal"))
    me = session.me

    async def play(answers: dict[str, bool]) -> None:
        await session.handle("/now")
        rnd = service.open_rounds()[-1]
        right = LETTERS[rnd.question.answer_index]
        wrong = LETTERS[(rnd.question.answer_index + 1) % len(rnd.question.options)]
        for name, correct in answers.items():
            await session.handle(f"{name} {rnd.id}{right if correct else wrong}")
        clock.now += 30
        await service.close_round(rnd.id)
        clock.now += 600

    try:
        await play({"alice": True, "bob": True, "cy": False})  # before any team: counts for no team
        for line in ("/team create Blue", "/team create Red", "/team add Blue bob", "/team add Red alice"):
            await session.handle(line)
        await session.handle("/team add Blue cy")
        await session.handle("/competition start Friday Cup 2h teams top 1 weekly")
        assert (
            "Friday Cup started (teams, points of the top 1 members; repeats weekly, season 1)"
            in out.getvalue()
        )
        await play({"alice": True, "bob": True, "cy": True, me: True})
        await play({"alice": True, "bob": False, "cy": False})
        out.seek(0)
        out.truncate()
        await session.handle("/competition standings")
        shown = out.getvalue()
        assert "Teams: Friday Cup" in shown and "Rule: points of the top 1 members." in shown
        assert shown.index("Red") < shown.index("Blue")  # alice alone beats bob, whatever the sizes
        assert "2 members, 2 active" in shown  # Red: alice and the terminal's user
        await session.handle("/team add Red bob")  # a switch: Blue keeps what bob won for it
        await play({"bob": True})
        out.seek(0)
        out.truncate()
        clock.now += 3 * 3600  # past the end
        assert await admin.finish_due_competitions() == 1
        final = out.getvalue()
        assert "Friday Cup (final)" in final and "Best for Red: alice" in final
        comps = await store.competitions((await service.channel("local", "terminal")).community_id)
        assert [c.name for c in comps] == ["Friday Cup #2", "Friday Cup"]
        second = comps[0]
        assert second.starts_at == comps[1].ends_at and second.ends_at - second.starts_at == 7 * DAY
        await play({"cy": True})
        clock.now = second.ends_at + 20 * DAY  # the bot was down for three weeks
        assert await admin.finish_due_competitions() == 1  # season 2 closed once; the missed ones are skipped
        assert await admin.finish_due_competitions() == 0
        out.seek(0)
        out.truncate()
        await session.handle("/competition history")
        history = out.getvalue()
        assert "Friday Cup #3" in history and "running" in history
        assert "Friday Cup #2" in history and "won by Blue" in history
        assert "Friday Cup:" in history and "won by Red" in history
        third = (await store.competitions(comps[0].community_id))[0]
        assert third.starts_at <= clock.now < third.ends_at
    finally:
        await service.stop()
        await writer.close()
