"""Typed answers in the console: which question, who, which letter; words that are not answers."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.console.answers import Typed, parse_answer
from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.launch import HOW, console_channel
from bot.adapters.console.run import HELP, ConsoleSession
from bot.app import App, assemble
from bot.core.errors import InvalidInputError
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK


@dataclass
class Console:
    app: App
    session: ConsoleSession
    out: io.StringIO

    async def typed(self, line: str) -> str:
        """What the console printed for one typed line."""
        start = len(self.out.getvalue())
        assert await self.session.handle(line)
        return self.out.getvalue()[start:]


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    settings = Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)}
    )
    out = io.StringIO()
    chat = ConsoleChat(out, how=HOW)
    async with assemble(settings, chat, "console") as app:
        channel = await console_channel(app, None)
        session = ConsoleSession(app.service, app.admin, chat, channel)
        session.me = "me"
        yield Console(app, session, out)


@pytest.mark.parametrize(
    ("line", "typed"),
    [
        ("b", Typed(None, None, "b")),
        ("B)", Typed(None, None, "b")),
        ("alice b", Typed("alice", None, "b")),
        ("Mary Ann c", Typed("Mary Ann", None, "c")),
        ("alice 2b", Typed("alice", 2, "b")),
        ("alice #2b", Typed("alice", 2, "b")),
        ("alice #2 b", Typed("alice", 2, "b")),
        ("alice 2 b", Typed("alice", 2, "b")),
        ("3a", Typed(None, 3, "a")),
    ],
)
def test_answer_forms(line: str, typed: Typed) -> None:
    assert parse_answer(line) == typed


@pytest.mark.parametrize("line", ["clear", "hello", "alice", "alice bob", "alice 2", "7"])
def test_a_word_or_a_name_without_a_letter_is_not_an_answer(line: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_answer(line)
    message = str(info.value)
    assert repr(line) in message and "alice b" in message and "\n" not in message


async def test_both_open_questions_can_be_answered_by_number(console: Console) -> None:
    await console.typed("/now eda")
    await console.typed("/now training")
    first, second = console.app.service.open_rounds()
    assert "alice: recorded (#1)" in await console.typed("alice 1b")
    assert "bob: recorded (#2)" in await console.typed("bob #2 a")
    assert "me: recorded (#1)" in await console.typed("1a")
    assert set(first.answers) == {"alice", "me"} and set(second.answers) == {"bob"}
    assert first.answers["alice"].option == 1 and second.answers["bob"].option == 0


async def test_a_plain_answer_while_two_are_open_is_refused_saying_how(console: Console) -> None:
    await console.typed("/now eda")
    await console.typed("/now training")
    shown = await console.typed("alice b")
    assert shown.startswith("! ") and shown.count("\n") == 1
    assert "#1, #2" in shown and "'alice 1b'" in shown and "'alice 2b'" in shown
    assert all(not r.answers for r in console.app.service.open_rounds())  # nothing went to the newest


async def test_a_plain_answer_goes_to_the_only_open_question(console: Console) -> None:
    await console.typed("/now eda")
    assert "alice: recorded" in await console.typed("alice b")
    (rnd,) = console.app.service.open_rounds()
    assert rnd.answers["alice"].option == 1
    shown = await console.typed("alice 5b")
    assert "question #5 is not open; open now: #1" in shown


async def test_words_typed_between_answers_are_not_taken_as_answers(console: Console) -> None:
    await console.typed("/now eda")
    for line in ("clear", "alice", "alice bob"):
        shown = await console.typed(line)
        assert shown.startswith("! ") and ("not an answer" in shown or "no answer letter" in shown)
    (rnd,) = console.app.service.open_rounds()
    assert rnd.answers == {}
    assert "is not an option of question #1" in await console.typed("alice e")


async def test_the_post_and_help_show_how_to_name_a_question(console: Console) -> None:
    await console.typed("/now eda")
    assert "'alice 1b'" in console.out.getvalue()  # the post names its own number
    assert "'alice 3b'" in HELP
