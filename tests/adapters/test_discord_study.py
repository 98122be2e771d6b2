"""Private study on Discord, through the real discord.py client: sessions by button clicks, privacy, an exam
across a restart, and the study lines of /stats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.bank_loader import load_bank
from bot.core.bank_schema import Question
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub, text
from tests.conftest import FIXTURE_BANK
from tests.pg_server import rows_at
from tests.servers.discord import DiscordTestServer

BANK = load_bank([FIXTURE_BANK])
EPHEMERAL = 64


async def study(
    server: DiscordTestServer, name: str, *, user: int = 4001, who: str = "ann", **values: object
) -> tuple[int, dict[str, Any]]:
    """Run /quiz NAME; (the private message's id, the response body)."""
    iid = await server.interact("quiz", sub(name, **values), user_id=user, username=who)
    (body,) = await server.wait_for_response(iid)
    msg = server.interaction_message(iid)
    return (int(msg["id"]) if msg else 0), body


def buttons(data: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in data.get("components") or [] for c in row["components"]]


def asked(data: dict[str, Any]) -> Question:
    """The bank question the message shows."""
    return next(q for q in BANK.questions.values() if q.prompt in data["content"].replace("\\", ""))


async def click(
    server: DiscordTestServer, mid: int, custom_id: str, *, user: int = 4001, who: str = "ann"
) -> dict[str, Any]:
    iid = await server.click(QUIZ_CHANNEL, mid, custom_id, user_id=user, username=who)
    (body,) = await server.wait_for_response(iid)
    return body


async def answer_all(server: DiscordTestServer, mid: int, data: dict[str, Any], right: bool) -> list[str]:
    """Click through a session (the right option each time, or a wrong one); what each click showed."""
    seen = []
    while buttons(data):
        q = asked(data)
        pick = q.answer_index if right else (q.answer_index + 1) % len(q.options)
        body = await click(server, mid, buttons(data)[pick])
        assert body["type"] == 7  # the private message itself is updated, nothing new is posted
        data = body["data"]
        seen.append(text([data]))
    return seen


async def test_a_practice_session_by_clicks_is_private_to_the_person(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        mid, body = await study(server, "practice", stage="eda")
        data = body["data"]
        assert body["type"] == 4 and data["flags"] & EPHEMERAL
        assert "Practice 1/5" not in data["content"] and "Practice 1/2" in data["content"]  # eda has two
        assert all(b.startswith("study:") for b in buttons(data)) and len(buttons(data)) == 3
        assert "Exploratory" not in data["content"]  # the stage is never shown before the answer
        q = asked(data)
        wrong = (q.answer_index + 1) % 3
        # Someone else clicking ann's buttons answers nothing for her.
        other = await click(server, mid, buttons(data)[q.answer_index], user=4002, who="bo")
        assert (
            other["type"] == 4 and other["data"]["flags"] & EPHEMERAL and "no study session" in text([other])
        )
        # A double click: both clicks reach the bot before it answers the first; one answer counts.
        clicks = [await server.click(QUIZ_CHANNEL, mid, buttons(data)[wrong]) for _ in range(2)]
        first, again = sorted(
            [(await server.wait_for_response(i))[0] for i in clicks], key=lambda b: -b["type"]
        )
        shown = text([first["data"]])
        assert "Not quite." in shown and q.options[wrong].why in shown and q.explanation.split()[0] in shown
        assert "Practice 2/2" in shown and len(buttons(first["data"])) == 3
        assert again["data"]["flags"] & EPHEMERAL and "already answered" in text([again])
        (last,) = await answer_all(server, mid, first["data"], right=True)
        assert "Right." in last and "Practice done" in last and server.interaction_message  # no buttons left
        assert server.channel_messages(QUIZ_CHANNEL) == []  # nothing in the channel from the session
        board = await server.wait_for_response(await server.interact("leaderboard"))
        assert "ann" not in text(board)
        theirs = await server.wait_for_response(await server.interact("stats", user_id=4002, username="bo"))
        assert "Study: Reviews due: 0 now" in text(theirs)
        mine = await server.wait_for_response(await server.interact("stats"))
        assert "Exploratory data analysis (EDA): 1/2" in text(mine)  # her own, private: practice counts
        ann = {"id": "4001", "username": "ann", "global_name": "ann", "discriminator": "0", "avatar": None}
        iid = await server.interact(
            "stats",
            [{"type": 6, "name": "member", "value": "4001"}],
            user_id=4002,
            username="bo",
            resolved={"users": {"4001": ann}},
        )
        (public,) = await server.wait_for_response(iid)  # bo asks for ann's: shown in the channel
        assert not public["data"].get("flags") and "Exploratory" not in text([public])
        assert "Study" not in text([public])
        assert [m["embeds"][0]["title"] for m in server.channel_messages(QUIZ_CHANNEL)] == [
            "Leaderboard: all time",
            "Stats: ann",
        ]
    assert await rows_at(db_target, "SELECT count(*) FROM answers") == [(0,)]  # no channel answer made
    assert await rows_at(db_target, "SELECT count(*) FROM study_answers") == [(2,)]


async def test_an_exam_survives_a_restart_without_losing_or_doubling_an_answer(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        mid, body = await study(server, "exam", count=3)
        data = body["data"]
        assert data["flags"] & EPHEMERAL and "Mock exam 1/3" in data["content"] and "left)" in data["content"]
        q = asked(data)
        first = await click(server, mid, buttons(data)[q.answer_index])
        assert "recorded" in text([first["data"]]) and "Right." not in text([first["data"]])
        second_question = first["data"]
    async with running_bot(server, db_target):  # a new process: the buttons still work, the exam resumes
        resumed, body = await study(server, "exam")
        assert "Resuming your mock exam at question 2 of 3" in body["data"]["content"]
        assert buttons(body["data"]) == buttons(second_question)
        q2 = asked(second_question)
        after = await click(server, mid, buttons(second_question)[q2.answer_index])  # the old message
        assert "Mock exam 3/3" in text([after["data"]])
        stale = await click(server, resumed, buttons(second_question)[q2.answer_index])  # the resumed copy
        assert "already answered" in text([stale]) and stale["data"]["flags"] & EPHEMERAL
        seen = await answer_all(server, mid, after["data"], right=False)
        report = seen[-1]
        assert "Mock exam report" in report and "Mock exam: 2/3 right (67%)" in report.replace("*", "")
        assert "Missed" in report
        stats = await server.wait_for_response(await server.interact("stats"))
        assert stats[0]["data"]["flags"] & EPHEMERAL
        lines = text(stats).replace("*", "")
        assert "Study: Reviews due:" in lines and "Mock exam " in lines and ": 2/3 (67%)" in lines
        assert server.channel_messages(QUIZ_CHANNEL) == []
    rows = await rows_at(db_target, "SELECT session_id, idx FROM study_answers ORDER BY idx")
    assert [r[1] for r in rows] == [0, 1, 2] and len({r[0] for r in rows}) == 1


async def test_report_remind_and_admin_analytics_answer_privately(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        _, body = await study(server, "report", question="t-eda-1", reason="option B names two services")
        assert body["data"]["flags"] & EPHEMERAL and "Report #1 stored" in text([body])
        _, bad = await study(server, "report", question="nope-1", reason="unclear")
        assert bad["data"]["flags"] & EPHEMERAL and "no question with id 'nope-1'" in text([bad])
        _, on = await study(server, "remind", state="on")
        assert on["data"]["flags"] & EPHEMERAL and "Daily reminder on" in text([on])
        _, refused = await study(server, "analytics")
        assert "only server admins" in text([refused]) and refused["data"]["flags"] & EPHEMERAL
        iid = await server.interact("quiz", sub("analytics", min_answers=1), permissions=MANAGE_GUILD)
        (table,) = await server.wait_for_response(iid)
        assert table["data"]["flags"] & EPHEMERAL and "no question has enough answers yet" in text([table])
        _, nothing = await study(server, "review")
        assert "nothing is due for review now" in text([nothing]) and nothing["data"]["flags"] & EPHEMERAL
    assert await rows_at(db_target, "SELECT question_id, reason FROM question_reports") == [
        ("t-eda-1", "option B names two services")
    ]
    assert await rows_at(db_target, "SELECT count(*) FROM study_reminders") == [(1,)]
