"""The console's Chat port: posts are printed; there are no marks to read back or remove."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TextIO

from ...core.bank_schema import LETTERS
from ...core.recap import RecapView
from ...core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from ..recap_text import recap_lines
from . import render


class ConsoleChat:
    """Prints questions, reveals and boards to a text stream."""

    def __init__(
        self, out: TextIO, *, me: str | None = None, how: str = "type NAME LETTER, e.g. 'alice b'"
    ) -> None:
        self.out = out
        self.me = me
        self.how = how
        self.revealed = 0
        self.reveal_event = asyncio.Event()
        self._next = 0

    def say(self, text: str) -> None:
        """Print a line (or several) and flush, so piped readers see it at once."""
        self.out.write(text + "\n")
        self.out.flush()

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        self._next += 1
        self.say(render.question(view, how=self.how))
        return f"console-{view.round_id}"

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        if self.me is not None:
            mine = next((r for r in view.results if r.player == self.me), None)
            if mine is None:
                self.say("\nNo answer.")
            elif mine.correct:
                self.say(f"\nRight! +{mine.points} points")
            else:
                self.say(f"\nWrong: you chose {LETTERS[mine.option].upper()}.")
        self.say(render.reveal(view))
        self.revealed += 1
        self.reveal_event.set()

    async def read_answers(
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]] | None:
        return None  # answers typed in a terminal are stored as they arrive; nothing lives on a message

    async def remove_mark(self, where: ChannelRef, message_ref: str, player: str, option: int) -> None:
        return None

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        self.say("\n" + render.board(view))

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None:
        self.say("\n" + "\n".join(recap_lines(view)))
