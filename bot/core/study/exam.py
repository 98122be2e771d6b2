"""Mock exams and practice sets: which questions to draw, and the report at the end of an exam."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..bank_schema import Question
from ..errors import NoQuestionError
from ..views import Accuracy
from .session import StudySession

PASS_MARK = (
    0.7  # stages below this share correct are named for review (the exam's own scaled pass is 700/1000)
)


def draw_spread(
    pool: Sequence[Question], count: int, stage_order: Sequence[str], rng: random.Random
) -> list[Question]:
    """`count` questions spread across the stages as evenly as the pool allows, in a random order.

    Each stage in turn gives one question (round robin, stages in lifecycle order), so no stage gets two
    more than another while it still has questions; within a stage the choice is random, and the drawn set
    is shuffled, as an exam mixes its topics.
    """
    if not pool:
        raise NoQuestionError("no question matches this pool")
    by_stage: dict[str, list[Question]] = defaultdict(list)
    for q in sorted(pool, key=lambda q: q.id):
        by_stage[q.stage].append(q)
    for questions in by_stage.values():
        rng.shuffle(questions)
    order = [s for s in stage_order if s in by_stage] + sorted(s for s in by_stage if s not in stage_order)
    drawn: list[Question] = []
    while len(drawn) < count and any(by_stage.values()):
        for stage in order:
            if by_stage[stage] and len(drawn) < count:
                drawn.append(by_stage[stage].pop())
    rng.shuffle(drawn)
    return drawn


@dataclass(frozen=True)
class Missed:
    """A question the person got wrong, with what they chose."""

    question: Question
    chosen: int


@dataclass(frozen=True)
class ExamReport:
    """The end of a mock exam."""

    correct: int
    total: int
    seconds: float
    by_stage: tuple[Accuracy, ...]
    missed: tuple[Missed, ...]
    review_stages: tuple[Accuracy, ...]  # below PASS_MARK, weakest first

    @property
    def percent(self) -> int:
        """Share correct of all questions (unanswered ones count as wrong), as a whole percentage."""
        return round(100 * self.correct / self.total) if self.total else 0


def exam_report(
    session: StudySession, questions: Mapping[str, Question], stage_names: Mapping[str, str]
) -> ExamReport:
    """Score, time, accuracy by stage, the missed questions and the stages to review."""
    right: dict[str, int] = defaultdict(int)
    asked: dict[str, int] = defaultdict(int)
    for qid in session.question_ids:
        asked[questions[qid].stage] += 1
    missed = []
    for a in session.answers:
        q = questions[session.question_ids[a.index]]
        if a.correct:
            right[q.stage] += 1
        else:
            missed.append(Missed(q, a.option))
    order = {s: i for i, s in enumerate(stage_names)}
    by_stage = tuple(
        Accuracy(s, stage_names.get(s, s), right[s], asked[s])
        for s in sorted(asked, key=lambda s: order.get(s, len(order)))
    )
    weak = sorted((a for a in by_stage if a.ratio < PASS_MARK), key=lambda a: (a.ratio, order.get(a.key, 0)))
    end = session.ended_at if session.ended_at is not None else session.started_at
    return ExamReport(
        correct=session.correct,
        total=len(session.question_ids),
        seconds=max(0.0, end - session.started_at),
        by_stage=by_stage,
        missed=tuple(missed),
        review_stages=tuple(weak),
    )
