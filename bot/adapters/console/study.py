"""`quizbot review`, `practice` and `exam` in a terminal: a private session, one question after another."""

from __future__ import annotations

from ...core.errors import QuizError, RoundClosedError
from ...core.study.service import StudyQuestion, StudyService
from ...core.study.session import SessionKind
from ..study_text import TITLES, feedback_text, question_text, report_text
from .chat import ConsoleChat
from .lines import LineReader
from .play import parse_letter


async def run_session(
    study: StudyService,
    chat: ConsoleChat,
    lines: LineReader,
    player_id: int,
    kind: SessionKind,
    *,
    stage: str | None = None,
    count: int | None = None,
) -> int:
    """Run (or resume) one session to its end or the end of input; returns how many answers were given."""
    try:
        asked: StudyQuestion | None = await study.current(player_id)
    except RoundClosedError:  # an exam left open ran out of time meanwhile: its report, then a new session
        report = await study.end(player_id)
        chat.say("Time was up for your open mock exam.")
        if report is not None:
            chat.say("\n" + report_text(report))
        if kind is SessionKind.EXAM and count is None:
            return 0
        asked = None
    if asked is not None and asked.kind is kind and stage is None and count is None:
        chat.say(f"Resuming your {TITLES[kind].lower()} at question {asked.index + 1} of {asked.total}.")
    else:
        if asked is not None:
            chat.say(f"(your open {TITLES[asked.kind].lower()} ends here)")
        asked = await study.start(player_id, kind, stage=stage, count=count)
    given = 0
    while asked is not None:
        chat.say("\n" + question_text(asked, study.clock()))
        letters = "/".join(chr(65 + i) for i in range(len(asked.question.options)))
        chat.say(f"Your answer ({letters}, or 'quit' to stop and come back later):")
        line = await lines.next()
        if line is None or line.strip().lower() in ("quit", "/quit", "q"):
            chat.say("Stopped; run the same command again to carry on." if kind is not SessionKind.EXAM else
                     "Stopped; the exam's clock keeps running: run `quizbot exam` again to carry on.")  # fmt: skip
            return given
        choice = parse_letter(line, len(asked.question.options))
        if choice is None:
            chat.say(f"! '{line.strip()}' is not an option: type one of {letters}")
            continue
        try:
            feedback = await study.answer(player_id, asked.session_id, asked.index, choice)
        except RoundClosedError:
            report = await study.end(player_id)
            chat.say("Time is up.")
            if report is not None:
                chat.say("\n" + report_text(report))
            return given
        except QuizError as exc:
            chat.say(f"! {exc}")
            return given
        given += 1
        chat.say(feedback_text(feedback, report="quizbot report"))
        if feedback.report is not None:
            chat.say("\n" + report_text(feedback.report))
        asked = feedback.next
    if kind is not SessionKind.EXAM:
        chat.say(f"\n{TITLES[kind]} done: {given} answered.")
    return given
