"""StudyService: private review, practice and mock-exam sessions, memories, readiness, analytics, reports.

Every platform calls the same methods with the person's player id; nothing here is visible in a channel,
and nothing here touches leaderboards. A session lives in storage (answers are stored as they are given),
so a restart resumes it where it was.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..bank import Bank
from ..bank_schema import Question
from ..errors import InvalidInputError, NoQuestionError, NotFoundError, RoundClosedError
from .analytics import QuestionAnalytics, analyse
from .exam import ExamReport, draw_spread, exam_report
from .memory import Memory, review
from .ports import StudyStore
from .readiness import Readiness, readiness, weakest
from .session import SessionAnswer, SessionKind, StudySession

DAY = 86_400.0
REVIEW_COUNT, PRACTICE_COUNT, EXAM_COUNT, EXAM_MAX = 10, 5, 20, 65
EXAM_SECONDS_PER_QUESTION = 90  # the real exam: 65 questions in 90 minutes, about 83 s each
REMINDER_GAP = 20 * 3600.0  # at most one reminder a day, even when the bot's clock drifts


@dataclass(frozen=True)
class StudyQuestion:
    """The next question of a session, as a platform shows it privately."""

    session_id: int
    kind: SessionKind
    index: int
    total: int
    question: Question
    stage_name: str
    ends_at: float | None


@dataclass(frozen=True)
class StudyFeedback:
    """What follows an answer: right or wrong with the explanation (not during an exam), then the next."""

    kind: SessionKind
    question: Question
    chosen: int
    correct: bool
    next: StudyQuestion | None
    report: ExamReport | None = None  # an exam's report once it has ended


@dataclass(frozen=True)
class StudySummary:
    """The study part of `/stats`."""

    due_now: int
    due_week: int
    readiness: tuple[Readiness, ...]  # in lifecycle order
    exams: tuple[tuple[float, float | None, int, int], ...]  # (started, ended, correct, total), newest first

    @property
    def weakest(self) -> Readiness | None:
        """The met stage with the lowest readiness (None before any answer)."""
        found = weakest(list(self.readiness))
        return found[0] if found and found[0].met else None


class StudyService:
    """The study features over one store and the current bank."""

    def __init__(
        self,
        store: StudyStore,
        bank: Callable[[], Bank],
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self._bank = bank
        self.clock = clock
        self._rng = rng or random.Random()

    # ------------------------------------------------------------------ sessions
    async def start(
        self, player_id: int, kind: SessionKind, *, stage: str | None = None, count: int | None = None
    ) -> StudyQuestion:
        """Start a session for the person (ending any they left open) and return its first question."""
        bank, now = self._bank(), self.clock()
        if count is not None and not 1 <= count <= EXAM_MAX:
            raise InvalidInputError(f"count is a whole number from 1 to {EXAM_MAX}, not {count}")
        if kind is SessionKind.REVIEW:
            questions = await self.due_questions(player_id, count or REVIEW_COUNT)
        elif kind is SessionKind.PRACTICE:
            questions = await self._practice(player_id, bank, now, stage, count or PRACTICE_COUNT)
        else:
            order = [s.id for s in bank.stages()]
            questions = draw_spread(list(bank.questions.values()), count or EXAM_COUNT, order, self._rng)
        ends_at = now + EXAM_SECONDS_PER_QUESTION * len(questions) if kind is SessionKind.EXAM else None
        rows = [
            (q.id, len(q.options), next(i for i, o in enumerate(q.options) if o.correct)) for q in questions
        ]
        session_id = await self.store.create_session(player_id, kind.value, rows, now, ends_at)
        return self._ask(bank, self._session(session_id, player_id, kind, rows, now, ends_at), 0)

    async def due_questions(self, player_id: int, count: int) -> list[Question]:
        """The person's questions due now, missed ones first, then the most overdue (at most `count`)."""
        bank, now = self._bank(), self.clock()
        due = [
            m
            for m in await self.store.due_memories(player_id, now, count * 3)
            if m.question_id in bank.questions
        ]
        if not due:
            upcoming = [
                m.due for m in await self.store.memories(player_id) if m.question_id in bank.questions
            ]
            when = (
                f" the next is due in {_until(min(upcoming) - now)}"
                if upcoming
                else " answer some questions first"
            )
            raise NoQuestionError(f"nothing is due for review now:{when}")
        return [bank.questions[m.question_id] for m in due[:count]]

    async def _practice(
        self, player_id: int, bank: Bank, now: float, stage: str | None, count: int
    ) -> list[Question]:
        stages = {s.id: s.name for s in bank.stages()}
        if stage is not None:
            wanted = [_stage(bank, stage)]
        else:
            wanted = [r.stage for r in weakest(await self.readiness(player_id), 2)] or list(stages)
        known = {m.question_id: m for m in await self.store.memories(player_id)}
        pool = [q for q in bank.questions.values() if q.stage in wanted]
        if not pool:
            raise NoQuestionError("no question in those stages")

        def need(q: Question) -> tuple[int, float, str]:
            m = known.get(q.id)
            if m is None:
                return (1, 0.0, q.id)  # never met: after the missed ones
            return (0 if m.lapses else 2, m.due, q.id)  # missed first, then the soonest due

        self._rng.shuffle(pool)
        pool.sort(key=need)
        return pool[:count]

    def _session(
        self,
        session_id: int,
        player_id: int,
        kind: SessionKind,
        rows: list[tuple[str, int, int]] | tuple[tuple[str, int, int], ...],
        started: float,
        ends_at: float | None,
    ) -> StudySession:
        return StudySession(
            id=session_id,
            player=str(player_id),
            kind=kind,
            question_ids=tuple(r[0] for r in rows),
            option_counts=tuple(r[1] for r in rows),
            correct_options=tuple(r[2] for r in rows),
            started_at=started,
            ends_at=ends_at,
        )

    def _ask(self, bank: Bank, session: StudySession, index: int) -> StudyQuestion:
        qid = session.question_ids[index]
        question = bank.questions.get(qid)
        if question is None:
            raise NotFoundError(f"question {qid} is no longer in the bank; start a new session")
        stage = bank.glossary[question.stage].name if question.stage in bank.glossary else question.stage
        return StudyQuestion(
            session.id, session.kind, index, len(session.question_ids), question, stage, session.ends_at
        )

    async def _load(self, player_id: int) -> StudySession:
        row = await self.store.open_session(player_id)
        if row is None:
            raise NotFoundError("you have no study session open; start one with review, practice or exam")
        session = self._session(
            row.id, player_id, SessionKind(row.kind), row.questions, row.started_at, row.ends_at
        )
        session.answers = [SessionAnswer(i, option, correct, at) for i, option, correct, at in row.answers]
        session.ended_at = row.ended_at
        return session

    async def current(self, player_id: int) -> StudyQuestion | None:
        """The open session's next question (after a restart too), or None when there is none; an exam whose
        time ran out while it was open raises RoundClosedError (end it to get its report)."""
        try:
            session = await self._load(player_id)
        except NotFoundError:
            return None
        now = self.clock()
        if session.ends_at is not None and session.position is not None and now >= session.ends_at:
            raise RoundClosedError("time is up for your mock exam")  # the caller ends it and shows the report
        if not session.is_open(now) or session.position is None:
            await self.store.end_session(session.id, now)
            return None
        return self._ask(self._bank(), session, session.position)

    async def answer(self, player_id: int, session_id: int, index: int, option: int) -> StudyFeedback:
        """Record the person's answer to question `index` of their open session."""
        bank, now = self._bank(), self.clock()
        session = await self._load(player_id)
        if session.id != session_id:
            raise NotFoundError("that session has ended; your current one is still open")
        given = session.answer(index, option, now)  # refuses a closed session, a repeat or an unknown option
        qid = session.question_ids[index]
        known = {m.question_id: m for m in await self.store.memories(player_id)}
        memory = review(known.get(qid), qid, given.correct, now)
        ended = now if session.position is None else None
        stored = await self.store.save_session_answer(
            session.id, player_id, (index, qid, option, given.correct, now), memory, ended
        )
        if not stored:
            raise NotFoundError("that question was already answered")
        question = bank.questions[qid]
        following = None if session.position is None else self._ask(bank, session, session.position)
        report = None
        if following is None and session.kind is SessionKind.EXAM:
            report = exam_report(session, bank.questions, {s.id: s.name for s in bank.stages()})
        return StudyFeedback(session.kind, question, option, given.correct, following, report)

    async def end(self, player_id: int) -> ExamReport | None:
        """End the open session now; an exam's report (unanswered questions count as wrong)."""
        session = await self._load(player_id)
        now = self.clock()
        session.end(now)
        await self.store.end_session(session.id, session.ended_at or now)
        if session.kind is not SessionKind.EXAM:
            return None
        bank = self._bank()
        return exam_report(session, bank.questions, {s.id: s.name for s in bank.stages()})

    # ------------------------------------------------------------------ memory and figures
    async def fold_channel_answers(self) -> int:
        """Fold revealed channel answers into memories (after each reveal, and at start)."""

        def fold(
            known: dict[tuple[int, str], Memory], given: list[tuple[int, str, bool, float]]
        ) -> dict[tuple[int, str], Memory]:
            changed: dict[tuple[int, str], Memory] = {}
            for player_id, qid, correct, at in given:
                key = (player_id, qid)
                changed[key] = review(changed.get(key) or known.get(key), qid, correct, at)
            return changed

        return await self.store.fold_channel_answers(fold)

    async def readiness(self, player_id: int) -> list[Readiness]:
        """Readiness of every stage, in lifecycle order."""
        bank = self._bank()
        stage_of = {q.id: q.stage for q in bank.questions.values()}
        names = {s.id: s.name for s in bank.stages()}
        return readiness(await self.store.memories(player_id), stage_of, names, self.clock())

    async def summary(self, player_id: int) -> StudySummary:
        """Due now and this week, readiness by stage, and the latest exams."""
        now = self.clock()
        due_now, due_week = await self.store.due_counts(player_id, now, now + 7 * DAY)
        ready = tuple(await self.readiness(player_id))
        exams = tuple(await self.store.exam_history(player_id))
        return StudySummary(due_now, due_week, ready, exams)

    async def analytics(self, min_answers: int = 1) -> list[QuestionAnalytics]:
        """Every bank question's figures over all stored answers, hardest first."""
        bank = self._bank()
        options = {q.id: len(q.options) for q in bank.questions.values()}
        keys = {q.id: next(i for i, o in enumerate(q.options) if o.correct) for q in bank.questions.values()}
        return analyse(await self.store.question_tallies(), options, keys, min_answers)

    async def report(self, player_id: int, question_id: str, reason: str) -> int:
        """Store a report that a question is wrong or unclear."""
        reason = " ".join(reason.split())
        if question_id not in self._bank().questions:
            raise NotFoundError(f"no question with id {question_id!r}; the id is shown under each question")
        if not 3 <= len(reason) <= 500:
            raise InvalidInputError("say in a few words (3 to 500 characters) what is wrong or unclear")
        return await self.store.add_report(player_id, question_id, reason, self.clock())

    async def reminders_due(self, platform: str) -> list[tuple[int, str, str, int]]:
        """People on `platform` to remind now: (player id, external id, community external id, due)."""
        return await self.store.reminders_due(platform, self.clock(), REMINDER_GAP)


def _stage(bank: Bank, text: str) -> str:
    """A stage id from its id, name or an alias, any case."""
    wanted = " ".join(text.split()).casefold()
    for s in bank.stages():
        if wanted in {s.id, s.name.casefold(), *(a.casefold() for a in s.aliases)}:
            return s.id
    raise InvalidInputError(f"no stage called {text!r}; stages: {', '.join(s.id for s in bank.stages())}")


def _until(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < DAY:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / DAY)} days"
