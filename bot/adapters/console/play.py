"""`quizbot play`: one person, one question after another, answers read from standard input."""

from __future__ import annotations

from ...core.bank_schema import LETTERS
from ...core.boards import player_stats
from ...core.records import ChannelRecord
from ...core.service import QuizService
from .chat import ConsoleChat
from .lines import LineReader


def parse_letter(text: str, options: int) -> int | None:
    """'b', 'B', 'b)' or '2' -> 1; None if it names no option."""
    t = text.strip().lower().rstrip(").")
    if len(t) == 1 and t in LETTERS[:options]:
        return LETTERS.index(t)
    if t.isdigit() and 1 <= int(t) <= options:
        return int(t) - 1
    return None


async def play(
    service: QuizService,
    chat: ConsoleChat,
    channel: ChannelRecord,
    lines: LineReader,
    *,
    count: int,
    user: str,
    stage: str | None = None,
    difficulty: str | None = None,
) -> int:
    """Ask `count` questions; returns how many were answered."""
    answered = 0
    for _ in range(count):
        rnd = await service.ask(channel, stage=stage, difficulty=difficulty)
        options = len(rnd.question.options)
        letters = "/".join(LETTERS[:options].upper())
        chat.say(f"Your answer ({letters}):")
        ended = False
        while True:
            line = await lines.next()
            if line is None:
                ended = True
                break
            choice = parse_letter(line, options)
            if choice is not None:
                assert rnd.message_ref is not None
                service.answer(rnd.message_ref, user.lower(), user, choice)  # ids as `quizbot run` makes them
                answered += 1
                break
            chat.say(f"'{line.strip()}' is not an option; type one of {letters}:")
        await service.close_round(rnd.id)
        if ended:
            chat.say("\n(end of input)")
            break
    if answered:
        view = await player_stats(service.store, service.bank, channel.community_id, user, service.clock())
        chat.say(
            f"\n{view.name}: {view.points} points in all, {view.correct}/{view.answered} right, streak {view.streak}."
        )
    return answered
