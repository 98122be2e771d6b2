"""`quizbot review | practice | exam | analytics | report`: the study features from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ...core.bank_loader import load_bank
from ...core.study.service import StudyService
from ...core.study.session import SessionKind
from ...settings import Settings
from ..study_text import analytics_table
from .launch import CONSOLE_COMMUNITY

KINDS = {"review": SessionKind.REVIEW, "practice": SessionKind.PRACTICE, "exam": SessionKind.EXAM}


def add_parsers(add: Callable[..., argparse.ArgumentParser], positive: Callable[[str], int]) -> None:
    """The study subcommands, on the CLI's parser."""
    user = "your name (default: your login name); the same as in `quizbot play`"
    s = add("review", help="review the questions due for you, missed ones first (spaced repetition)")
    s.add_argument("--user", help=user)
    s.add_argument("--count", type=positive, help="at most this many (default 10)")
    s = add("practice", help="a short private set from your weakest stages, or the stage named")
    s.add_argument("stage", nargs="?", help="a stage id or name, e.g. eda (default: your two weakest)")
    s.add_argument("--user", help=user)
    s.add_argument("--count", type=positive, help="how many questions (default 5)")
    s = add("exam", help="a timed mock exam across the stages, with a report at the end")
    s.add_argument("--user", help=user)
    s.add_argument("--count", type=positive, help="how many questions, 1-65 (default 20; 90 s each)")
    s = add(
        "analytics", help="for bank keepers: each question's answers, difficulty, distractors, discrimination"
    )
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument(
        "--min-answers", type=positive, default=5, help="leave out questions with fewer (default 5)"
    )
    s.add_argument("--reports", action="store_true", help="list the questions players reported instead")
    s = add("report", help="report a question as wrong or unclear (its id is shown with each answer)")
    s.add_argument("question", help="the question's id, e.g. ev-009")
    s.add_argument("reason", nargs="+", help="what is wrong or unclear")
    s.add_argument("--user", help=user)


async def run(args: argparse.Namespace, settings: Settings, login: Callable[[], str]) -> int:
    """Run one study command."""
    from ...storage.opening import open_store
    from .chat import ConsoleChat
    from .lines import LineReader
    from .study import run_session

    if args.command == "analytics" and not settings.db_url:
        from ...storage.export import require_database

        require_database(settings.db_path)  # reading figures must not create a database
    bank = load_bank(settings.questions)
    store = await open_store(settings.database)
    try:
        study = StudyService(store, lambda: bank)
        await study.fold_channel_answers()  # channel answers since the last run count too
        if args.command == "analytics":
            return await _analytics(args, study, store)
        name = (getattr(args, "user", None) or login()).strip()
        community = await store.community("console", CONSOLE_COMMUNITY)
        player = (await store.player(community, name.lower(), name)).id
        if args.command == "report":
            report_id = await study.report(player, args.question, " ".join(args.reason))
            print(
                f"report #{report_id} stored: thank you; the bank's keepers see it in `quizbot analytics --reports`"
            )
            return 0
        chat = ConsoleChat(sys.stdout, me=name)
        kind = KINDS[args.command]
        await run_session(
            study,
            chat,
            LineReader(sys.stdin),
            player,
            kind,
            stage=getattr(args, "stage", None),
            count=args.count,
        )
        return 0
    finally:
        await store.close()


async def _analytics(args: argparse.Namespace, study: StudyService, store: Any) -> int:
    if args.reports:
        reports = await store.reports()
        if args.json:
            keys = ("id", "question", "player", "reason", "reported_at")
            print(json.dumps({"reports": [dict(zip(keys, r, strict=True)) for r in reports]}, indent=1))
        elif not reports:
            print("no question has been reported")
        for rid, question, who, reason, _ in [] if args.json else reports:
            print(f"#{rid} {question} ({who}): {reason}")
        return 0
    rows = await study.analytics(args.min_answers)
    if args.json:
        print(json.dumps({"min_answers": args.min_answers, "questions": [asdict(r) for r in rows]}, indent=1))
    else:
        print(analytics_table(rows))
    return 0
