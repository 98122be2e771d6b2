"""SIGKILL in the middle of a burst of 10k reactions, then a restart: every answer once, every round once.

The bot runs as a real subprocess (`python -m bot run --platform ...`) against the loopback Discord or
Slack test server in this process, on a real SQLite file. Ten questions are posted; a burst of reactions
spread over them starts; the bot is SIGKILLed once some (never all) answers are in its database, and the
rest of the burst lands on the messages only (no gateway, no socket: as while a bot is down). After a
restart the bot must read the missed reactions back from the messages, record each person's answer on
each question exactly once, close and reveal each round once after its window and score nobody twice.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from bot.core.bank_loader import load_bank
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, sub
from tests.conftest import FIXTURE_BANK
from tests.reliability.harness import BotProcess, check_database, count, due_soon, eventually, rounds
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import DEFAULT_USERS, SlackTestServer

ROUNDS = 10
REACTIONS = 10_000
SECONDS = 1_000  # of the reactions, a player's second option on a question they already reacted to
PLAYERS = 2_000  # each plays four or five of the ten questions
WINDOW = "60s"  # set before posting; moved back while the bot is down so rounds close soon after restart
CLOSE_AFTER_RESTART = 5.0  # seconds
SLACK_CHANNEL = "C0001"
Reaction = tuple[int, int, int]  # (question index, player index, option)


@dataclass(frozen=True)
class Burst:
    """The reactions in the order people make them."""

    events: list[Reaction]

    @property
    def reacted(self) -> dict[tuple[int, int], set[int]]:
        """Every option each player put on each question."""
        out: dict[tuple[int, int], set[int]] = {}
        for q, p, o in self.events:
            out.setdefault((q, p), set()).add(o)
        return out


def make_burst(options: Sequence[int], seed: int = 20261123) -> Burst:
    """REACTIONS reactions over the questions, SECONDS of them a second option shortly after the first."""
    rng = random.Random(seed)
    per = (REACTIONS - SECONDS) // len(options)
    firsts = [
        (q, (q * PLAYERS // len(options) + k) % PLAYERS, rng.randrange(options[q]))
        for q in range(len(options))
        for k in range(per)
    ]
    rng.shuffle(firsts)
    twice = set(rng.sample(range(len(firsts)), SECONDS))
    later: dict[int, list[Reaction]] = {}
    events: list[Reaction] = []
    for i, (q, p, o) in enumerate(firsts):
        events.append((q, p, o))
        events.extend(later.pop(i, []))
        if i in twice:
            later.setdefault(i + rng.randrange(1, 300), []).append((q, p, (o + 1) % options[q]))
    events.extend(e for i in sorted(later) for e in later[i])
    assert len(events) == REACTIONS and len({(q, p) for q, p, _ in events}) == REACTIONS - SECONDS
    return Burst(events)


def options_of(text: str) -> int:
    """How many options the fixture question shown in `text` has."""
    bank = load_bank([FIXTURE_BANK])
    return next(len(q.options) for q in bank.questions.values() if q.prompt in text)


async def burst_and_kill(
    bot: BotProcess,
    db: Path,
    burst: Burst,
    send: Callable[[list[Reaction]], Awaitable[None]],
    store_silently: Callable[[list[Reaction]], None],
    *,
    kill_at: int,
    hold_at: int,
) -> None:
    """Send the burst live; SIGKILL the bot once `kill_at` answers are durable; store the rest silently.

    The burst waits at `hold_at` reactions until the kill, so the kill always falls inside it.
    """
    killed = asyncio.Event()

    async def killer() -> None:
        await eventually(
            f"{kill_at} answers in the database", lambda: count(db, "answers") >= kill_at, 25, bot=bot
        )
        await bot.kill()
        killed.set()

    kill_task = asyncio.create_task(killer())
    sent, live = 0, 0
    try:
        while sent < len(burst.events):
            part = burst.events[sent : sent + 100]
            if killed.is_set():
                store_silently(part)
            else:
                await send(part)
                live += len(part)
            sent += len(part)
            if sent == hold_at and not killed.is_set():
                await asyncio.wait_for(asyncio.shield(kill_task), 30)
            await asyncio.sleep(0)
        await kill_task
    finally:
        kill_task.cancel()
    durable = count(db, "answers")
    assert 0 < durable < len(burst.reacted) and live <= hold_at, "the kill fell inside the burst"


def check_answers(db: Path, burst: Burst, user_of: Callable[[int], str]) -> None:
    """One answer per player per question: the only option they chose, else one of their two."""
    stored = check_database(db)
    round_of = {q: r.id for q, r in enumerate(rounds(db))}
    expected = {(round_of[q], user_of(p)): options for (q, p), options in burst.reacted.items()}
    assert len(stored) == len(expected) == REACTIONS - SECONDS
    assert stored.keys() == expected.keys()
    assert [(k, o) for k, o in stored.items() if o not in expected[k]] == []


def check_rounds(db: Path, refs: Sequence[str], reveals: dict[str, int]) -> None:
    """Each round closed once, no sooner than its window's end, and revealed once."""
    found = rounds(db)
    assert [r.message_ref for r in found] == list(refs)
    for r in found:
        assert r.state == "revealed"
        assert r.closed_at >= r.posted_at + r.window - 0.01
    assert reveals == dict.fromkeys(refs, 1)


# -- Discord ---------------------------------------------------------------------------------------


async def interact(server: DiscordTestServer, options: list[dict[str, Any]], replies: int, **kw: Any) -> str:
    iid = await server.interact("quiz", options, **kw)
    return str(await server.wait_for_response(iid, count=replies, timeout=10))


def discord_reveals(server: DiscordTestServer) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in server.channel_messages(QUIZ_CHANNEL):
        ref = (m.get("message_reference") or {}).get("message_id")
        if ref:
            out[str(ref)] = out.get(str(ref), 0) + 1
    return out


async def test_discord_sigkill_mid_burst_then_restart_records_each_answer_once(tmp_path: Path) -> None:
    db = tmp_path / "quiz.sqlite3"
    async with DiscordTestServer() as server:
        env = {
            "QUIZBOT_DB": str(db),
            "DISCORD_TOKEN": "test-token-not-secret",
            "QUIZBOT_DISCORD_API_URL": server.api_base,
            "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
        }
        bot = BotProcess("discord", env, tmp_path)
        await bot.start()
        try:
            await eventually("slash commands synced", lambda: bool(server.registered_commands), bot=bot)
            config = sub("config", setting="answer_window", value=WINDOW)
            assert "answer_window" in await interact(server, config, 1, permissions=MANAGE_GUILD)
            for _ in range(ROUNDS):
                assert "is up" in await interact(server, sub("now"), 2)
            messages = server.channel_messages(QUIZ_CHANNEL)
            mids = [int(m["id"]) for m in messages]
            options = [options_of(m["embeds"][0]["description"]) for m in messages]
            burst = make_burst(options)

            def reactions(part: list[Reaction]) -> list[tuple[int, int, str]]:
                return [(mids[q], 100_000 + p, DISCORD_EMOJI[o]) for q, p, o in part]

            async def send(part: list[Reaction]) -> None:
                await server.add_reactions(QUIZ_CHANNEL, reactions(part))

            def store_silently(part: list[Reaction]) -> None:
                for mid, user, emoji in reactions(part):
                    server.add_reaction_silently(QUIZ_CHANNEL, mid, user, emoji)

            await burst_and_kill(bot, db, burst, send, store_silently, kill_at=800, hold_at=6000)
            due_soon(db, CLOSE_AFTER_RESTART)

            await bot.start()
            await eventually(
                "ten reveals", lambda: sum(discord_reveals(server).values()) >= ROUNDS, 20, bot=bot
            )
            await asyncio.sleep(0.5)  # time enough for a second reveal, were one coming
            assert await bot.stop() == 0
            assert "Traceback" not in bot.log(100_000), bot.log()
        finally:
            await bot.stop()

        check_answers(db, burst, lambda p: str(100_000 + p))
        check_rounds(db, [str(mid) for mid in mids], discord_reveals(server))
        for m in server.channel_messages(QUIZ_CHANNEL):  # each reveal counts every answer
            ref = (m.get("message_reference") or {}).get("message_id")
            if ref:
                q = mids.index(int(ref))
                assert f"({sum(1 for k in burst.reacted if k[0] == q)} in all)" in str(m["embeds"])


# -- Slack -----------------------------------------------------------------------------------------


def slack_reveals(server: SlackTestServer) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in server.messages.get(SLACK_CHANNEL, []):
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            ref = f"{SLACK_CHANNEL}:{m['thread_ts']}"
            out[ref] = out.get(ref, 0) + 1
    return out


async def slash(server: SlackTestServer, text: str, user: str = "U1") -> str:
    before = len(server.responses)
    envelope = await server.slash("/quiz", text, user_id=user)
    await server.wait_for_ack(envelope, timeout=10)
    return str((await server.wait_for_responses(before + 1, timeout=10))[before])


async def test_slack_sigkill_mid_burst_then_restart_records_each_answer_once(tmp_path: Path) -> None:
    db = tmp_path / "quiz.sqlite3"
    players = {f"UP{p:05d}": {"name": f"player{p}"} for p in range(PLAYERS)}
    async with SlackTestServer(users={**DEFAULT_USERS, **players}) as server:
        server.echo_own_reactions = False
        env = {
            "QUIZBOT_DB": str(db),
            "SLACK_BOT_TOKEN": "xoxb-test-not-secret",
            "SLACK_APP_TOKEN": "xapp-test-not-secret",
            "QUIZBOT_SLACK_API_URL": server.api_url,
        }
        bot = BotProcess("slack", env, tmp_path)
        await bot.start()
        try:
            await eventually("a Socket Mode connection", lambda: bool(server.connections), bot=bot)
            assert "answer_window" in await slash(server, f"config answer_window {WINDOW}", "UADMIN")
            for _ in range(ROUNDS):
                assert "is up" in await slash(server, "now")
            messages = list(server.messages[SLACK_CHANNEL])
            ts = [m["ts"] for m in messages]
            options = [options_of(m["text"]) for m in messages]
            burst = make_burst(options)

            def reactions(part: list[Reaction]) -> list[tuple[str, str, str, str]]:
                return [(SLACK_CHANNEL, ts[q], f"UP{p:05d}", SLACK_EMOJI[o]) for q, p, o in part]

            async def send(part: list[Reaction]) -> None:
                await server.add_reactions(reactions(part))

            def store_silently(part: list[Reaction]) -> None:
                for channel, t, user, name in reactions(part):
                    server.add_reaction_silently(channel, t, user, name)

            # The Slack app looks each new person up (users.info) before their first answer counts, so a
            # burst from 2,000 new people is absorbed more slowly than on Discord: hold it sooner.
            await burst_and_kill(bot, db, burst, send, store_silently, kill_at=200, hold_at=3000)
            due_soon(db, CLOSE_AFTER_RESTART)

            await bot.start()
            await eventually(
                "ten reveals", lambda: sum(slack_reveals(server).values()) >= ROUNDS, 20, bot=bot
            )
            await asyncio.sleep(0.5)
            assert await bot.stop() == 0
            assert "Traceback" not in bot.log(100_000), bot.log()
        finally:
            await bot.stop()

        check_answers(db, burst, lambda p: f"UP{p:05d}")
        check_rounds(db, [f"{SLACK_CHANNEL}:{t}" for t in ts], slack_reveals(server))
        for m in server.messages[SLACK_CHANNEL]:
            if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
                q = ts.index(m["thread_ts"])
                assert f"({sum(1 for k in burst.reacted if k[0] == q)} in all)" in m["text"] + str(
                    m["blocks"]
                )


def test_the_burst_is_what_the_tests_say() -> None:
    burst = make_burst([3, 3, 3, 2, 3, 3, 3, 3, 3, 3])
    reacted = burst.reacted
    assert len(burst.events) == REACTIONS
    assert len(reacted) == REACTIONS - SECONDS
    assert sum(len(o) == 2 for o in reacted.values()) == SECONDS
    assert len({p for _, p in reacted}) == PLAYERS
    seen: dict[tuple[int, int], int] = {}
    for q, p, o in burst.events:  # a second reaction is another option, after the first
        assert seen.setdefault((q, p), o) == o or len(reacted[q, p]) == 2
