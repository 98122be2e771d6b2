"""Races of changes while a round is open: admins changing settings and schedules, bank reloads.

Every test runs on a real SQLite file. Where "at the same moment" matters, the events are started together
with asyncio.gather (one event loop, so this is the interleaving a bot really sees).
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core.bank import Bank
from bot.core.bank_schema import Question
from bot.core.config import ScoringRules
from bot.core.errors import AlreadyAnsweredError, RoundClosedError
from bot.core.scoring import speed_bonus
from bot.scheduling import Scheduler
from bot.storage import SqliteStore
from tests.conftest import Clock
from tests.core.races_support import Rig, build_rig

# -- admins changing things while a round is open ------------------------------------------------------


async def test_config_changes_do_not_change_an_open_rounds_rules(rig: Rig) -> None:
    rnd = await rig.ask(window=60)
    ref, right = rnd.message_ref or "", rnd.question.answer_index
    posted = rnd.posted_at or 0.0
    rig.service.answer(ref, "u1", "Ann", right, at=posted + 15)
    wrong = (right + 1) % len(rnd.question.options)
    rig.service.answer(ref, "u2", "Bo", wrong, at=posted + 20)
    for key, value in (
        ("answer_window", "1h"),
        ("allow_changes", "on"),
        ("points_easy", "500"),
        ("points_medium", "500"),
        ("points_hard", "500"),
        ("speed_bonus", "0"),
        ("streak_step", "0"),
    ):
        await rig.admin.set_config(await rig.channel(), key, value, admin=True)
    assert rnd.closes_at == posted + 60 and rnd.allow_changes is False
    with pytest.raises(AlreadyAnsweredError):  # changes were off when it was posted
        rig.service.answer(ref, "u2", "Bo", right, at=posted + 25)
    with pytest.raises(RoundClosedError):  # the window it was posted with has passed
        rig.service.answer(ref, "u3", "Cy", right, at=posted + 61)
    await rig.service.close_round(rnd.id)
    (reveal,) = rig.chat.reveals
    old = ScoringRules()
    assert [(w.player, w.points) for w in reveal.winners] == [
        ("u1", old.base(rnd.question.difficulty) + speed_bonus(15, 60, old.speed_bonus))
    ]
    # The next round does use the new settings, so the change itself did take effect.
    nxt = await rig.ask()
    assert nxt.window == 3600 and nxt.allow_changes is True
    rig.service.answer(nxt.message_ref or "", "u1", "Ann", nxt.question.answer_index)
    await rig.service.close_round(nxt.id)
    assert [w.points for w in rig.chat.reveals[1].winners] == [500]


async def test_schedule_changes_do_not_touch_the_round_a_schedule_posted(rig: Rig) -> None:
    scheduler = Scheduler(rig.service, rig.admin)
    rig.admin.timetable = scheduler
    channel = await rig.channel()
    sid, _ = await rig.admin.add_schedule(channel, "0 9 * * *", "UTC", "30s", admin=True)
    (sched,) = await rig.admin.schedules(channel)
    rnd = await rig.service.fire_schedule(sched, rig.clock.now + 1)
    assert rnd is not None and rnd.window == 30 and rnd.message_ref is not None
    rig.service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
    await rig.admin.pause_schedule(channel, sid, True, admin=True)
    await rig.admin.remove_schedule(channel, sid, admin=True)
    await rig.admin.add_schedule(channel, "*/5 * * * *", "Europe/Berlin", "10m", admin=True)
    assert rig.service.open_rounds() == [rnd] and rnd.closes_at == (rnd.posted_at or 0) + 30
    assert await rig.service.close_round(rnd.id)
    (reveal,) = rig.chat.reveals
    assert [w.player for w in reveal.winners] == ["u1"]
    scheduler.shutdown()


async def test_two_admins_changing_settings_at_once_keep_both_changes(rig: Rig) -> None:
    channel = await rig.channel()  # both commands start from the same stored settings
    await asyncio.gather(
        rig.admin.set_config(channel, "allow_changes", "on", admin=True),
        rig.admin.set_config(channel, "answer_window", "2m", admin=True),
        rig.admin.set_config(channel, "points_hard", "99", admin=True),
    )
    config = (await rig.channel()).config
    assert (config.allow_changes, config.answer_window, config.scoring.points_hard) == (True, 120, 99)


async def test_scoring_changed_while_open_does_not_reach_a_round_resumed_after_restart(
    rig: Rig, mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    rnd = await rig.ask(window=60)
    rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index, at=rnd.posted_at)
    for key in ("points_easy", "points_medium", "points_hard"):
        await rig.admin.set_config(await rig.channel(), key, "500", admin=True)
    await rig.service.stop()
    second = build_rig(mini_bank, store, clock)
    try:
        await second.service.resume()
        await second.service.close_round(rnd.id)
        (winner,) = second.chat.reveals[0].winners
        assert winner.points == ScoringRules().base(rnd.question.difficulty) + ScoringRules().speed_bonus
    finally:
        await second.service.stop()
        await second.writer.close()


# -- bank reloads while rounds are open ----------------------------------------------------------------


def _rotated(q: Question) -> Question:
    """The same id with new text and a different correct option."""
    data = q.model_dump()
    data["prompt"] = "Reworded after review: " + data["prompt"]
    data["options"] = data["options"][1:] + data["options"][:1]
    for i, option in enumerate(data["options"]):
        if not option["correct"] and not option.get("why"):
            data["options"][i]["why"] = "reworded"
    return Question.model_validate(data)


async def test_a_bank_reload_keeps_each_open_rounds_question_for_its_reveal(
    rig: Rig, mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    one = await rig.ask("c1", stage="eda")
    two = await rig.ask("c2", stage="training")
    originals = {one.id: one.question, two.id: two.question}
    for rnd in (one, two):
        rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index)
    changed = [_rotated(one.question)] + [
        q for q in mini_bank.questions.values() if q.id not in (one.question.id, two.question.id)
    ]
    rig.service.reload_bank(Bank(mini_bank.glossary.values(), changed))  # one reworded, two removed
    assert rig.service.bank.questions[one.question.id].answer_index != one.question.answer_index
    assert two.question.id not in rig.service.bank.questions
    assert await rig.service.close_round(one.id)
    # A restart with the new bank: the open round comes back with the question it was posted with.
    await rig.service.stop()
    second = build_rig(rig.service.bank, store, clock)
    try:
        assert await second.service.resume() == 1
        (back,) = second.service.open_rounds()
        assert back.question == two.question
        assert await second.service.close_round(two.id)
    finally:
        await second.service.stop()
        await second.writer.close()
    reveals = rig.chat.reveals + second.chat.reveals
    assert {r.round_id: r.question for r in reveals} == originals
    for reveal in reveals:
        assert [w.player for w in reveal.winners] == ["u1"]  # scored against the posted answer
