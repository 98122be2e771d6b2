"""What the study features need of storage (the SQLite store implements it in bot/storage/study.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from .analytics import QuestionTally
from .memory import Memory

ChannelAnswer = tuple[int, str, bool, float]
Fold = Callable[[dict[tuple[int, str], Memory], list[ChannelAnswer]], dict[tuple[int, str], Memory]]


class SessionData(Protocol):
    """A stored session as the service reads it back."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def questions(self) -> tuple[tuple[str, int, int], ...]: ...
    @property
    def started_at(self) -> float: ...
    @property
    def ends_at(self) -> float | None: ...
    @property
    def ended_at(self) -> float | None: ...
    @property
    def answers(self) -> tuple[tuple[int, int, bool, float], ...]: ...


class StudyStore(Protocol):
    """Memories, sessions, reports and reminders."""

    async def memories(self, player_id: int) -> list[Memory]: ...
    async def due_memories(self, player_id: int, at: float, limit: int) -> list[Memory]: ...
    async def due_counts(self, player_id: int, at: float, until: float) -> tuple[int, int]: ...
    async def create_session(
        self,
        player_id: int,
        kind: str,
        questions: Sequence[tuple[str, int, int]],
        started_at: float,
        ends_at: float | None,
    ) -> int: ...
    async def open_session(self, player_id: int) -> SessionData | None: ...
    async def save_session_answer(
        self,
        session_id: int,
        player_id: int,
        answer: tuple[int, str, int, bool, float],
        memory: Memory,
        ended_at: float | None,
    ) -> bool: ...
    async def end_session(self, session_id: int, at: float) -> None: ...
    async def exam_history(
        self, player_id: int, limit: int = 10
    ) -> list[tuple[float, float | None, int, int]]: ...
    async def fold_channel_answers(self, fold: Fold) -> int: ...
    async def question_tallies(self) -> dict[str, QuestionTally]: ...
    async def add_report(self, player_id: int, question_id: str, reason: str, at: float) -> int: ...
    async def reminders_due(
        self, platform: str, at: float, gap: float
    ) -> list[tuple[int, str, str, int]]: ...
