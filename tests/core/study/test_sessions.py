"""Study sessions refuse illegal moves by name; exams spread across stages and report what to review."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bot.core.bank_schema import Question
from bot.core.errors import AlreadyAnsweredError, IllegalTransitionError, RoundClosedError, UnknownOptionError
from bot.core.study.exam import draw_spread, exam_report
from bot.core.study.session import SessionKind, StudySession


def _q(qid: str, stage: str) -> Question:
    return Question.model_validate(
        {
            "id": qid,
            "stage": stage,
            "difficulty": "easy",
            "prompt": f"Question {qid} about {stage}?",
            "options": [
                {"text": "Right answer", "correct": True},
                {"text": "Wrong answer", "why": "It is wrong."},
            ],
            "explanation": "Because it is the right answer.",
        }
    )


def _session(n: int = 3, ends_at: float | None = None) -> StudySession:
    return StudySession(
        id=1,
        player="ann",
        kind=SessionKind.EXAM if ends_at else SessionKind.REVIEW,
        question_ids=tuple(f"q{i}" for i in range(n)),
        option_counts=(2,) * n,
        correct_options=(0,) * n,
        started_at=100.0,
        ends_at=ends_at,
    )


def test_answers_go_in_order_once_each_and_close_the_session_at_the_end() -> None:
    s = _session()
    assert s.answer(0, 0, 101).correct
    with pytest.raises(AlreadyAnsweredError):
        s.answer(0, 1, 102)
    with pytest.raises(IllegalTransitionError):
        s.answer(2, 0, 102)
    with pytest.raises(UnknownOptionError):
        s.answer(1, 2, 102)
    assert not s.answer(1, 1, 103).correct
    s.answer(2, 0, 104)
    assert s.position is None and s.ended_at == 104 and s.correct == 2
    with pytest.raises(RoundClosedError):
        s.answer(2, 0, 105)


def test_an_exam_refuses_answers_after_its_time_limit() -> None:
    s = _session(ends_at=160.0)
    s.answer(0, 0, 150)
    with pytest.raises(RoundClosedError):
        s.answer(1, 0, 160)
    s.end(999)
    assert s.ended_at == 160.0  # the time taken is capped at the limit


@pytest.mark.parametrize("seed", range(4))
def test_an_exam_draws_evenly_across_stages(seed: int) -> None:
    stages = ["st-a", "st-b", "st-c", "st-d"]
    pool = [_q(f"{s}-{i}", s) for s in stages for i in range(10 if s != "st-d" else 2)]
    drawn = draw_spread(pool, 14, stages, random.Random(seed))
    counts = Counter(q.stage for q in drawn)
    assert len(drawn) == 14 == len({q.id for q in drawn})
    assert counts["st-d"] == 2 and counts["st-a"] == counts["st-b"] == counts["st-c"] == 4


def test_the_report_scores_times_and_names_the_stages_to_review() -> None:
    questions = {q.id: q for q in [_q("a1", "st-a"), _q("a2", "st-a"), _q("b1", "st-b"), _q("b2", "st-b")]}
    s = StudySession(1, "ann", SessionKind.EXAM, ("a1", "b1", "a2", "b2"), (2,) * 4, (0,) * 4, 100.0, 1000.0)
    for i, option in enumerate([0, 1, 0, 1]):
        s.answer(i, option, 110.0 + i * 10)
    report = exam_report(s, questions, {"st-a": "Alpha", "st-b": "Beta"})
    assert (report.correct, report.total, report.percent, report.seconds) == (2, 4, 50, 40.0)
    assert [(a.key, a.correct, a.answered) for a in report.by_stage] == [("st-a", 2, 2), ("st-b", 0, 2)]
    assert [m.question.id for m in report.missed] == ["b1", "b2"] and report.missed[0].chosen == 1
    assert [a.name for a in report.review_stages] == ["Beta"]
