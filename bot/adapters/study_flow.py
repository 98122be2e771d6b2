"""Private study sessions on a chat platform (Discord, Slack): what starting or answering shows, platform-free.

A platform turns a `Step` into one private message: the notes, the feedback on the answer just given, an
exam's report, then the next question with one button per option. The buttons carry `answer_id`
(session, question index, option), so a click needs no state in the bot and still works after a restart.
Markup differs per platform, so every text here takes the platform's `Markup`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..core.bank_schema import LETTERS
from ..core.errors import InvalidInputError, RoundClosedError
from ..core.study.analytics import QuestionAnalytics
from ..core.study.exam import ExamReport
from ..core.study.service import StudyFeedback, StudyQuestion, StudyService, StudySummary
from ..core.study.session import SessionKind
from .study_text import TITLES, analytics_table, clock_text

KINDS = {"review": SessionKind.REVIEW, "practice": SessionKind.PRACTICE, "exam": SessionKind.EXAM}
_ANSWER = re.compile(r"study:([0-9]{1,18}):([0-9]{1,3}):([0-9])")


@dataclass
class Step:
    """What one private message shows after a command or a click."""

    notes: list[str] = field(default_factory=list)
    feedback: StudyFeedback | None = None
    report: ExamReport | None = None
    question: StudyQuestion | None = None
    done: str | None = None  # the closing line of a review or practice


def answer_id(q: StudyQuestion, option: int) -> str:
    """A button's id: 'study:SESSION:INDEX:OPTION'."""
    return f"study:{q.session_id}:{q.index}:{option}"


def parse_answer_id(text: str) -> tuple[int, int, int] | None:
    """(session, index, option) from a button's id, or None when it is not one of ours."""
    found = _ANSWER.fullmatch(text)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


async def open_session(
    study: StudyService, player: int, kind: SessionKind, *, stage: str | None = None, count: int | None = None
) -> Step:
    """Resume the person's open session of this kind (nothing asked differently), or start a new one."""
    step = Step()
    try:
        asked = await study.current(player)
    except RoundClosedError:  # an exam left open ran out of time meanwhile: its report first
        step.report = await study.end(player)
        step.notes.append("Time was up for your open mock exam.")
        asked = None
        if kind is SessionKind.EXAM and count is None:
            return step
    if asked is not None and asked.kind is kind and stage is None and count is None:
        step.notes.append(
            f"Resuming your {TITLES[kind].lower()} at question {asked.index + 1} of {asked.total}."
        )
    else:
        if asked is not None:
            step.notes.append(f"(your open {TITLES[asked.kind].lower()} ends here)")
        asked = await study.start(player, kind, stage=stage, count=count)
    step.question = asked
    return step


async def give_answer(study: StudyService, player: int, session: int, index: int, option: int) -> Step:
    """Record a click; the feedback and the next question, or the end (an exam's report)."""
    step = Step()
    try:
        feedback = await study.answer(player, session, index, option)
    except RoundClosedError as exc:
        if str(exc) != "time is up":  # the exam's time limit; anything else is said as it is
            raise
        step.report = await study.end(player)
        step.notes.append("Time is up: this answer came after the mock exam's time limit.")
        return step
    step.feedback, step.report, step.question = feedback, feedback.report, feedback.next
    if feedback.next is None and feedback.kind is not SessionKind.EXAM:
        step.done = (
            f"{TITLES[feedback.kind]} done. `review` again when more is due; your progress is in `stats`."
        )
    return step


def parse_count(text: str | None) -> int | None:
    """An exam's question count as typed ('30'), or None."""
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise InvalidInputError(f"{text!r} is not a number of questions; e.g. exam 20")
    return int(text)


# ------------------------------------------------------------------ text, in the platform's markup


@dataclass(frozen=True)
class Markup:
    """A platform's bold and its escaping of bank text (Markdown, mentions)."""

    strong: Callable[[str], str]
    esc: Callable[[str], str]

    def bold(self, text: str) -> str:
        """`text`, escaped, in bold."""
        return self.strong(self.esc(text))

    def text(self, text: str) -> str:
        """`text` on one line, escaped."""
        return self.esc(" ".join(text.split()))


def question_lines(q: StudyQuestion, now: float, m: Markup) -> list[str]:
    """The question, its lettered options and, in an exam, the time left; never its stage."""
    head = f"{TITLES[q.kind]} {q.index + 1}/{q.total}"
    if q.ends_at is not None:
        head += f" ({clock_text(q.ends_at - now)} left)"
    lines = [m.bold(head), m.text(q.question.prompt)]
    for letter, option in zip(LETTERS.upper(), q.question.options, strict=False):
        lines.append(f"{m.bold(letter)}) {m.text(option.text)}")
    return lines


def feedback_lines(f: StudyFeedback, m: Markup, report: str) -> list[str]:
    """Right or wrong, why the chosen option is wrong, the explanation; an exam says only 'recorded'."""
    if f.kind is SessionKind.EXAM:
        return [f"Answer {LETTERS[f.chosen].upper()} recorded."]
    q, right = f.question, f.question.answer_index
    answer = m.text(f"{LETTERS[right].upper()}) {q.options[right].text}")
    lines = [
        f"{m.bold('Right.')} {answer}" if f.correct else f"{m.bold('Not quite.')} The answer is {answer}"
    ]
    chosen = q.options[f.chosen]
    if not f.correct and chosen.why:
        lines.append(f"Why not {LETTERS[f.chosen].upper()}: {m.text(chosen.why)}")
    lines.append(m.text(q.explanation))
    lines.append(m.text(f"({q.id}; {report} {q.id} REASON if it is wrong or unclear)"))
    return lines


def report_lines(r: ExamReport, m: Markup, practice: str) -> list[str]:
    """A mock exam's report: score and time, by stage, the missed questions, what to practise."""
    lines = [m.bold(f"Mock exam: {r.correct}/{r.total} right ({r.percent}%) in {clock_text(r.seconds)}")]
    lines += [m.text(f"{a.name}: {a.correct}/{a.answered} ({round(100 * a.ratio)}%)") for a in r.by_stage]
    for missed in r.missed:
        q, right = missed.question, missed.question.answer_index
        lines.append(
            m.text(
                f"Missed {q.id}: {q.prompt} You chose {LETTERS[missed.chosen].upper()}; "
                f"the answer is {LETTERS[right].upper()}) {q.options[right].text}."
            )
        )
    if r.review_stages:
        names = ", ".join(a.name for a in r.review_stages)
        lines.append(m.text(f"Review next: {names} ({practice} {r.review_stages[0].key})"))
    else:
        lines.append("Every stage at 70 % or better.")
    return lines


def summary_lines(s: StudySummary, m: Markup, practice: str) -> list[str]:
    """The study lines of stats: reviews due, readiness by stage, the stage to practise, latest exams."""
    lines = [f"Reviews due: {s.due_now} now, {s.due_week} within 7 days"]
    met = [r for r in s.readiness if r.met]
    if met:
        ready = ", ".join(f"{r.name} {r.percent}% ({r.met}/{r.total})" for r in met)
        lines.append(m.text(f"Readiness: {ready}"))
    weakest = s.weakest
    if weakest is not None:
        lines.append(
            m.text(f"Lowest readiness: {weakest.name} ({weakest.percent}%); try {practice} {weakest.stage}")
        )
    for started, _, correct, total in s.exams[:3]:
        day = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d")
        lines.append(f"Mock exam {day}: {correct}/{total} ({round(100 * correct / total) if total else 0}%)")
    return lines


def analytics_text(rows: list[QuestionAnalytics], limit: int) -> str:
    """The analytics table, cut to what fits in `limit` characters, saying how many rows it shows."""
    table = analytics_table(rows).split("\n")
    kept: list[str] = []
    for line in table:
        if sum(len(k) + 1 for k in kept) + len(line) + 80 > limit:
            break
        kept.append(line)
    shown = max(0, len(kept) - 1)
    if rows and shown < len(rows):
        kept.append(f"(the {shown} hardest of {len(rows)}; `quizbot analytics` lists all)")
    return "\n".join(kept)


def remind_text(on: bool, command: str) -> str:
    """What `remind on|off` answers."""
    if on:
        return (
            "Daily reminder on: a direct message at most once a day when questions are due for review. "
            f"{command} off stops it."
        )
    return "Daily reminder off: no more reminder messages."


def reminder_message(due: int, where: str, command: str) -> str:
    """The reminder itself."""
    what, them = ("1 question is", "it") if due == 1 else (f"{due} questions are", "them")
    return (
        f"{what} due for review{where}: run {command} review to keep {them} fresh. "
        f"({command} remind off stops these messages.)"
    )


def parse_on_off(text: str | None) -> bool:
    """'on' or 'off'."""
    word = (text or "").strip().lower()
    if word not in ("on", "off"):
        raise InvalidInputError("remind on or remind off")
    return word == "on"
