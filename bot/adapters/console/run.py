"""`quizbot run` in a terminal: scheduled questions, several people answering by typing NAME LETTER."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
from collections.abc import Awaitable, Callable

from ...core.admin import Admin
from ...core.errors import QuizError
from ...core.ports import Store
from ...core.records import ChannelRecord
from ...core.service import QuizService
from ...core.study.service import StudyService
from ...scheduling import Scheduler
from ..study_text import summary_text
from ..text_commands import Caller, Settings, TextCommands, split
from . import render
from .answers import option_index, parse_answer, pick_round
from .chat import ConsoleChat
from .lines import LineReader
from .pictures import take_image, write_reply

HELP = """Answer: NAME LETTER (e.g. 'alice b'), or just a letter to answer as {me}. While two questions are
        open, put the question's number before the letter: 'alice 3b' (or 'alice #3 b').
Commands: /now [stage] [difficulty]   /lookup WORDS   /leaderboard [all|week|month|competition] [teams]
          /stats [NAME]   /config [KEY VALUE]   /schedule add 'CRON' ZONE [WINDOW] | list | remove ID
          /team create|join|leave|list   /competition start NAME ENDS|end|standings
          /reload (the question bank)   /help   /quit"""


class ConsoleSession:
    """Reads the terminal and turns each line into a core call."""

    def __init__(
        self,
        service: QuizService,
        admin: Admin,
        chat: ConsoleChat,
        channel: ChannelRecord,
        reload: Callable[[], str] | None = None,
        study: StudyService | None = None,
        history: Store | None = None,
    ) -> None:
        self.service = service
        self.study = study
        self.reload = reload
        self.admin = admin
        self.chat = chat
        self.channel = channel
        self.me = getpass.getuser() or "you"
        self.commands = TextCommands(service, admin, service.clock, prefix="/")
        self.commands.history, self.commands.study = history, study  # for --image: movement, progress

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the user asked to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                return await self._command(line[1:])
            self._answer(line)
        except QuizError as exc:
            self.chat.say(f"! {exc}")
        return True

    def _answer(self, line: str) -> None:
        """An answer to the only open question, or to the one whose number it gives; errors raise QuizError."""
        typed = parse_answer(line)
        rounds = self.service.open_rounds()
        rnd = pick_round(typed, rounds, typed.name or "")
        choice = option_index(typed, rnd)
        name = typed.name or self.me
        assert rnd.message_ref is not None
        outcome = self.service.answer(rnd.message_ref, name.lower(), name, choice)
        which = f" (#{rnd.id})" if len(rounds) > 1 else ""
        self.chat.say(f"  {name}: {outcome.value if outcome else 'too late'}{which}")

    async def _command(self, text: str) -> bool:
        words = split(text)
        cmd = words[0].lower() if words else "help"
        if cmd in ("quit", "exit"):
            return False
        if cmd == "help":
            self.chat.say(HELP.format(me=self.me))
        elif cmd == "reload" and self.reload is not None:
            try:
                self.chat.say(self.reload())
            except QuizError as exc:
                self.chat.say(
                    f"! kept the current bank ({len(self.service.bank.questions)} questions): {exc}"
                )
        else:
            caller = Caller(self.channel, self.me, self.me, admin=True)  # the terminal's user owns the bot
            words, image = take_image(words)
            reply = await self.commands.run(words, caller)
            if isinstance(reply, Settings):
                self.channel = await self.service.store.channel_by_id(self.channel.id)
            shown = render.reply(reply, {k: e.name for k, e in self.service.bank.glossary.items()})
            if shown:
                self.chat.say(shown)
            if cmd == "stats" and len(words) == 1:  # your own stats: what the study features know of you
                await self._study_lines()
            if image is not None:
                self.chat.say(await write_reply(reply, image, self.me))
        return True

    async def _study_lines(self) -> None:
        if self.study is None:
            return
        player = await self.service.store.find_player(self.channel.community_id, self.me.lower())
        if player is not None:
            self.chat.say(summary_text(await self.study.summary(player.id), practice="quizbot practice"))


async def run_console(
    service: QuizService,
    admin: Admin,
    scheduler: Scheduler,
    chat: ConsoleChat,
    channel: ChannelRecord,
    lines: LineReader,
    *,
    every: float | None,
    rounds: int | None,
    interactive: bool,
    start: Callable[[], Awaitable[object]],
    reload: Callable[[], str] | None = None,
    study: StudyService | None = None,
    history: Store | None = None,
) -> None:
    """Run until /quit, end of input (after open questions close), or `rounds` reveals."""
    session = ConsoleSession(service, admin, chat, channel, reload, study, history)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signal handlers on this platform/thread
        loop.add_signal_handler(signal.SIGTERM, stop.set)  # `docker stop`, `kill`: stop as /quit does
    try:
        await _run(session, service, scheduler, chat, channel, lines, stop, every, rounds, interactive, start)
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _run(
    session: ConsoleSession,
    service: QuizService,
    scheduler: Scheduler,
    chat: ConsoleChat,
    channel: ChannelRecord,
    lines: LineReader,
    stop: asyncio.Event,
    every: float | None,
    rounds: int | None,
    interactive: bool,
    start: Callable[[], Awaitable[object]],
) -> None:
    await (
        start()
    )  # a SIGTERM from here on stops the run as /quit does (it was lost before the first question)
    chat.say(HELP.format(me=session.me))
    if every and not stop.is_set():
        try:  # ask at once, so a newcomer sees a question within a second
            await service.ask(channel)  # with the channel's stored settings, as each timed one after
        except QuizError as exc:
            chat.say(f"! {exc}")
        scheduler.every(every, channel)

    async def watch_rounds() -> None:
        while rounds is not None:
            await chat.reveal_event.wait()
            chat.reveal_event.clear()
            if chat.revealed >= rounds:
                stop.set()
                return

    async def read() -> None:
        while True:
            line = await lines.next()
            if line is None:
                break
            if not await session.handle(line):
                stop.set()
                return
        if interactive:
            stop.set()
            return
        # Piped input ended: let the open questions run to their close, then stop.
        while service.open_rounds():
            await chat.reveal_event.wait()
            chat.reveal_event.clear()
        stop.set()

    tasks = [asyncio.create_task(read()), asyncio.create_task(watch_rounds())]
    await stop.wait()
    for task in tasks:
        task.cancel()
