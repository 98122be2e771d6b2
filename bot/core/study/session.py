"""A private study session (review, practice or mock exam): one object owns it and refuses illegal moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import AlreadyAnsweredError, IllegalTransitionError, RoundClosedError, UnknownOptionError


class SessionKind(StrEnum):
    """What the session is for; only an exam has a time limit."""

    REVIEW = "review"
    PRACTICE = "practice"
    EXAM = "exam"


@dataclass(frozen=True)
class SessionAnswer:
    """One answer in a session."""

    index: int
    option: int
    correct: bool
    at: float


@dataclass
class StudySession:
    """The questions of one person's session, in order, and the answers given so far.

    Answers are given in order (the next unanswered question only), once each, while the session is open:
    an exam closes at its time limit, and every session closes when its last question is answered or it is
    ended early.
    """

    id: int
    player: str
    kind: SessionKind
    question_ids: tuple[str, ...]
    option_counts: tuple[int, ...]
    correct_options: tuple[int, ...]
    started_at: float
    ends_at: float | None = None  # an exam's time limit
    ended_at: float | None = None
    answers: list[SessionAnswer] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.question_ids:
            raise IllegalTransitionError("a session needs at least one question")
        if not len(self.question_ids) == len(self.option_counts) == len(self.correct_options):
            raise ValueError("question ids, option counts and correct options must line up")

    @property
    def position(self) -> int | None:
        """Index of the next question to answer, None when all are answered."""
        n = len(self.answers)
        return n if n < len(self.question_ids) else None

    def is_open(self, at: float) -> bool:
        """True while answers are taken."""
        return (
            self.ended_at is None
            and self.position is not None
            and (self.ends_at is None or at < self.ends_at)
        )

    def answer(self, index: int, option: int, at: float) -> SessionAnswer:
        """Record the answer to question `index`; refuses a closed session, a repeat or an unknown option."""
        if not self.is_open(at):
            raise RoundClosedError(
                "this session has ended" if self.ended_at or self.position is None else "time is up"
            )
        if index < (self.position or 0):
            raise AlreadyAnsweredError(f"question {index + 1} of this session is already answered")
        if index != self.position:
            raise IllegalTransitionError(f"answer question {(self.position or 0) + 1} first")
        if not 0 <= option < self.option_counts[index]:
            raise UnknownOptionError(f"question {index + 1} has {self.option_counts[index]} options")
        given = SessionAnswer(index, option, option == self.correct_options[index], at)
        self.answers.append(given)
        if self.position is None:
            self.ended_at = at
        return given

    def end(self, at: float) -> None:
        """End the session now (finished, given up, or its time ran out); ending twice is harmless."""
        if self.ended_at is None:
            self.ended_at = at if self.ends_at is None else min(at, self.ends_at)

    @property
    def correct(self) -> int:
        """How many answers were right."""
        return sum(a.correct for a in self.answers)
