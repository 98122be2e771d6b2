"""One posted question's life: pending -> open (collecting answers) -> closed -> revealed."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from .bank_schema import Question
from .config import ScoringRules
from .errors import (
    AlreadyAnsweredError,
    IllegalTransitionError,
    RoundClosedError,
    UnknownOptionError,
)


class RoundState(StrEnum):
    """Where a round is in its life."""

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    REVEALED = "revealed"
    FAILED = "failed"


class Outcome(StrEnum):
    """What an answer or withdrawal did to the round."""

    RECORDED = "recorded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"


class Answer(NamedTuple):
    """A player's current answer in a round (a named tuple: made once per reaction, so made cheaply)."""

    player: str
    name: str
    option: int
    at: float


_NEXT = {
    RoundState.PENDING: {RoundState.OPEN, RoundState.FAILED},
    RoundState.OPEN: {RoundState.CLOSED},
    RoundState.CLOSED: {RoundState.REVEALED},
}


class Round:
    """Owns a posted question and refuses illegal moves with named errors."""

    __slots__ = (
        "allow_changes",
        "answers",
        "channel_id",
        "id",
        "message_ref",
        "posted_at",
        "question",
        "scoring",
        "state",
        "window",
    )  # thousands may be open at once: no per-round __dict__

    def __init__(
        self,
        *,
        id: int,
        channel_id: int,
        question: Question,
        window: int,
        allow_changes: bool,
        state: RoundState = RoundState.PENDING,
        message_ref: str | None = None,
        posted_at: float | None = None,
        answers: dict[str, Answer] | None = None,
        scoring: ScoringRules | None = None,
    ) -> None:
        self.id = id
        self.channel_id = channel_id
        self.question = question
        self.window = window
        self.allow_changes = allow_changes
        self.state = state
        self.message_ref = message_ref
        self.posted_at = posted_at
        self.answers: dict[str, Answer] = dict(answers or {})
        self.scoring = scoring  # the rules it was posted with (None: the channel's, for old rounds)

    @property
    def closes_at(self) -> float | None:
        """When the round stops taking answers (None until posted)."""
        return None if self.posted_at is None else self.posted_at + self.window

    def _move(self, to: RoundState) -> None:
        if to not in _NEXT.get(self.state, set()):
            raise IllegalTransitionError(f"round {self.id} cannot go from {self.state} to {to}")
        self.state = to

    def mark_posted(self, message_ref: str, posted_at: float) -> None:
        """The question is visible to players: start collecting answers."""
        self._move(RoundState.OPEN)
        self.message_ref, self.posted_at = message_ref, posted_at

    def mark_failed(self) -> None:
        """The question could not be posted; it never will be."""
        self._move(RoundState.FAILED)

    def answer(self, player: str, name: str, option: int, at: float, *, late_ok: bool = False) -> Outcome:
        """Record `player`'s choice of `option` (0-based); `late_ok` admits answers recovered after close."""
        if self.state is not RoundState.OPEN:
            raise RoundClosedError("this question is closed")
        closes_at = self.closes_at
        if closes_at is not None and at > closes_at and not late_ok:
            raise RoundClosedError("this question closed before the answer arrived")
        if not 0 <= option < len(self.question.options):
            raise UnknownOptionError(
                f"option {option + 1} does not exist; there are {len(self.question.options)}"
            )
        current = self.answers.get(player)
        if current is not None:
            if current.option == option:
                return Outcome.UNCHANGED
            if not self.allow_changes:
                raise AlreadyAnsweredError("you already answered; this channel counts the first answer")
            self.answers[player] = Answer(player, name, option, at)
            return Outcome.CHANGED
        self.answers[player] = Answer(player, name, option, at)
        return Outcome.RECORDED

    def withdraw(self, player: str, option: int) -> Outcome:
        """Take back an answer (a removed reaction); only counts where changes are allowed."""
        if self.state is not RoundState.OPEN:
            raise RoundClosedError("this question is closed")
        current = self.answers.get(player)
        if current is None or current.option != option or not self.allow_changes:
            return Outcome.UNCHANGED
        del self.answers[player]
        return Outcome.WITHDRAWN

    def close(self) -> None:
        """Stop collecting answers."""
        self._move(RoundState.CLOSED)

    def mark_revealed(self) -> None:
        """The answer and results have been shown."""
        self._move(RoundState.REVEALED)
