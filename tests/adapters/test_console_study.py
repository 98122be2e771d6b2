"""Console study sessions: what a person types and sees in a review, a practice set and a mock exam."""

from __future__ import annotations

import io
import random

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.lines import LineReader
from bot.adapters.console.study import run_session
from bot.core.bank import Bank
from bot.core.study.service import StudyService
from bot.core.study.session import SessionKind
from bot.storage import SqliteStore
from tests.conftest import Clock


async def _run(
    study: StudyService, player: int, text: str, kind: SessionKind, **kw: object
) -> tuple[int, str]:
    out = io.StringIO()
    given = await run_session(study, ConsoleChat(out), LineReader(io.StringIO(text)), player, kind, **kw)  # type: ignore[arg-type]
    return given, out.getvalue()


async def test_practice_explains_each_answer_and_a_typo_is_not_an_answer(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study = StudyService(store, lambda: mini_bank, clock, random.Random(5))
    player = (await store.player(await store.community("console", "local"), "ann", "ann")).id
    given, out = await _run(study, player, "clear\na\nb\n", SessionKind.PRACTICE, stage="eda", count=2)
    assert given == 2
    assert "! 'clear' is not an option" in out and "Practice 1/2" in out and "Practice 2/2" in out
    assert out.count("Right.") + out.count("Not quite: the answer is") == 2
    assert "Practice done: 2 answered." in out
    first = next(
        q for q in mini_bank.questions.values() if q.prompt.split()[0] in out.split("Practice 1/2")[1][:200]
    )
    assert first.explanation.split()[0] in out


async def test_a_stopped_exam_resumes_and_reports_at_the_end(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study = StudyService(store, lambda: mini_bank, clock, random.Random(5))
    player = (await store.player(await store.community("console", "local"), "bo", "bo")).id
    given, out = await _run(study, player, "a\nquit\n", SessionKind.EXAM, count=3)
    assert given == 1 and "Mock exam 1/3" in out and "recorded" in out and "clock keeps running" in out
    assert "Right." not in out and "Not quite" not in out  # an exam gives no answers away before its end
    clock.now += 30
    given, out = await _run(study, player, "a\na\n", SessionKind.EXAM)  # every question has an A
    assert given == 2 and "Resuming your mock exam at question 2 of 3" in out
    assert "Mock exam: " in out and "By stage:" in out and "in 0:30" in out
    clock.now += 600
    given, out = await _run(study, player, "a\n", SessionKind.EXAM, count=2)
    clock.now += 10 * 60  # past the two questions' three minutes
    given, out = await _run(study, player, "a\n", SessionKind.EXAM)
    (_, ended, correct, total), *_ = await store.exam_history(player)
    assert given == 0 and "Time was up" in out and f"Mock exam: {correct}/{total} right" in out and total == 2
    assert ended is not None and "Mock exam 1/" not in out  # no new exam was started unasked
