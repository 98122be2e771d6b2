"""Study views as plain text (pure): the console prints them, and Slack and Discord use them as fallbacks.

A private question never shows its stage before it is answered (a "which stage" question would answer
itself); the feedback after it does.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from ..core.bank_schema import LETTERS
from ..core.study.analytics import QuestionAnalytics
from ..core.study.exam import ExamReport
from ..core.study.service import StudyFeedback, StudyQuestion, StudySummary
from ..core.study.session import SessionKind

TITLES = {SessionKind.REVIEW: "Review", SessionKind.PRACTICE: "Practice", SessionKind.EXAM: "Mock exam"}


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(" ".join(text.split()), 76, initial_indent=indent, subsequent_indent=indent)


def clock_text(seconds: float) -> str:
    """'12:05' for minutes and seconds, '1:02:03' past an hour."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def question_text(q: StudyQuestion, now: float) -> str:
    """The question, lettered options, and for an exam the time left."""
    head = f"{TITLES[q.kind]} {q.index + 1}/{q.total}"
    if q.ends_at is not None:
        head += f"  ({clock_text(q.ends_at - now)} left)"
    lines = [head, _wrap(q.question.prompt), ""]
    for letter, option in zip(LETTERS.upper(), q.question.options, strict=False):
        lines.append(_wrap(f"{letter}) {option.text}", "  "))
    return "\n".join(lines)


def feedback_text(f: StudyFeedback, report: str = "/quiz report") -> str:
    """Right or wrong with the explanation (an exam says only that the answer is recorded)."""
    if f.kind is SessionKind.EXAM:
        return "  recorded"
    q = f.question
    right = q.answer_index
    lines = [
        "  Right."
        if f.correct
        else f"  Not quite: the answer is {LETTERS[right].upper()}) {q.options[right].text}"
    ]
    chosen = q.options[f.chosen]
    if not f.correct and chosen.why:
        lines.append(_wrap(f"{LETTERS[f.chosen].upper()}: {chosen.why}", "  "))
    lines.append(_wrap(q.explanation, "  "))
    lines.append(f"  ({q.id}; {report} {q.id} REASON if it is wrong or unclear)")
    return "\n".join(lines)


def report_text(r: ExamReport) -> str:
    """The end of a mock exam: score, time, accuracy by stage, the missed questions and what to review."""
    lines = [
        f"Mock exam: {r.correct}/{r.total} right ({r.percent}%) in {clock_text(r.seconds)}",
        "By stage:",
    ]
    width = max((len(a.name) for a in r.by_stage), default=0)
    for a in r.by_stage:
        lines.append(f"  {a.name:<{width}}  {a.correct}/{a.answered}  {round(100 * a.ratio):>3}%")
    if r.missed:
        lines.append("Missed:")
        for m in r.missed:
            q = m.question
            right = q.answer_index
            lines.append(_wrap(f"{q.id}: {q.prompt}", "  "))
            answer = f"{LETTERS[right].upper()}) {q.options[right].text}"
            lines.append(
                _wrap(
                    f"you chose {LETTERS[m.chosen].upper()}, the answer is {answer}. {q.explanation}", "    "
                )
            )
    if r.review_stages:
        names = ", ".join(a.name for a in r.review_stages)
        lines.append(f"Review next: {names} (quizbot practice {r.review_stages[0].key})")
    else:
        lines.append("Every stage at 70 % or better.")
    return "\n".join(lines)


def summary_text(s: StudySummary, practice: str = "/quiz practice") -> str:
    """The study lines of /stats: due reviews, readiness by stage, the weakest stage, the latest exams."""
    lines = [f"Reviews due: {s.due_now} now, {s.due_week} within 7 days"]
    if s.readiness:
        lines.append("Readiness (FSRS recall now over the stage's questions; unmet ones count 0):")
        width = max(len(r.name) for r in s.readiness)
        for r in s.readiness:
            lines.append(f"  {r.name:<{width}}  {r.percent:>3}%  ({r.met}/{r.total} met)")
    weakest = s.weakest
    if weakest is not None:
        lines.append(
            f"Lowest readiness of the stages you have met: {weakest.name} ({weakest.percent}%); "
            f"try {practice} {weakest.stage}"
        )
    for started, _, correct, total in s.exams[:3]:
        day = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d")
        lines.append(f"Mock exam {day}: {correct}/{total} ({round(100 * correct / total) if total else 0}%)")
    return "\n".join(lines)


def analytics_table(rows: list[QuestionAnalytics]) -> str:
    """One line per question: answers, share right, pick shares, the favourite wrong option, discrimination."""
    if not rows:
        return "no question has enough answers yet"
    out = [
        f"{'question':<10} {'n':>5} {'right':>6}  {'picks (A B C D E)':<26} {'wrong':>5} {'disc':>6}  flags"
    ]
    for r in rows:
        picks = " ".join(f"{round(100 * p):>3}" for p in r.pick_share)
        wrong = LETTERS[r.most_picked_wrong].upper() if r.most_picked_wrong is not None else "-"
        disc = f"{r.discrimination:+.2f}" if r.discrimination is not None else "-"
        out.append(
            f"{r.question_id:<10} {r.answered:>5} {round(100 * r.correct_share):>5}%  {picks:<26} {wrong:>5} "
            f"{disc:>6}  {', '.join(r.flags)}"
        )
    return "\n".join(out)
