"""The CLI's commands that need no running bot: validate, bank, coverage, schema, lookup, boards (data_commands.py
holds backup, export and migrate-db)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .adapters.console import render
from .core.bank import Bank
from .core.bank_loader import load_bank
from .core.bank_schema import BankFile
from .core.boards import leaderboard, parse_period, player_stats
from .core.coverage import coverage
from .core.lookup import Lookup
from .core.moves import board_with_moves
from .settings import Settings
from .storage.export import require_database
from .storage.opening import open_store


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def validate(args: argparse.Namespace, settings: Settings) -> int:
    bank = load_bank(args.paths or settings.questions)
    print(f"ok: {len(bank.questions)} questions, {len(bank.glossary)} glossary entries")
    return 0


def bank_json(args: argparse.Namespace, settings: Settings) -> int:
    _print_json(load_bank(settings.questions).to_json())
    return 0


def schema(args: argparse.Namespace, settings: Settings) -> int:
    data = BankFile.model_json_schema()
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "quizbot question bank file"
    _print_json(data)
    return 0


def show_coverage(args: argparse.Namespace, settings: Settings) -> int:
    bank = load_bank(settings.questions)
    cov = coverage(bank)
    if args.json:
        _print_json(cov.to_json())
        return 1 if cov.gaps and args.strict else 0
    name = {k: e.name for k, e in bank.glossary.items()}
    total = len(bank.questions)
    # one width for all three lists, so the counts line up under each other however long a name is
    width = max((len(name[k]) for part in (cov.stages, cov.services, cov.concepts) for k in part), default=0)
    print(f"{total} questions, {len(bank.glossary)} glossary entries")
    print("\nQuestions per stage:")
    for k, n in cov.stages.items():
        print(f"  {name[k]:<{width}} {n:>4}")
    print("\nServices (correct answer of / tagged on):")
    for k, n in cov.services.items():
        print(f"  {name[k]:<{width}} {n:>4} / {cov.service_tags[k]}")
    print("\nConcepts, metrics, model sources, methods, MLOps (tagged on):")
    for k, n in cov.concepts.items():
        print(f"  {name[k]:<{width}} {n:>4}")
    share = ", ".join(f"{ch.upper()} {n / total:.0%}" for ch, n in cov.letters.items())
    print(f"\nCorrect letter: {share}")
    print("Style: " + ", ".join(f"{k} {n / total:.0%}" for k, n in cov.styles.items()))
    print("Difficulty: " + ", ".join(f"{k} {n / total:.0%}" for k, n in cov.difficulties.items()))
    print("\nGaps: " + ("none" if not cov.gaps else "\n  " + "\n  ".join(cov.gaps)))
    return 1 if cov.gaps and args.strict else 0


def lookup(args: argparse.Namespace, settings: Settings) -> int:
    bank: Bank = load_bank(settings.questions)
    query = " ".join(args.query)
    answer = Lookup(bank).answer(query, args.limit)
    if args.json:
        _print_json(
            {
                "query": query,
                "results": [
                    {
                        "id": h.entry.id,
                        "name": h.entry.name,
                        "kind": h.entry.kind.value,
                        "score": h.score,
                        "definition": h.entry.definition,
                        "stages": list(h.stages),
                        "services": list(h.services),
                        "questions": h.questions,
                        "docs": str(h.entry.docs) if h.entry.docs else None,
                    }
                    for h in answer.hits
                ],
                "cards": answer.cards if answer.hits else 0,
                "note": answer.note,
                "suggestions": list(answer.suggestions),
                "covered": answer.covered,
            }
        )
    else:
        print(render.lookup(answer, {k: e.name for k, e in bank.glossary.items()}))
    return 0 if answer.hits else 1


async def boards(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.db_url:
        require_database(settings.db_path)  # a mistyped --db must not create a database (and its folders)
    store = await open_store(settings.database)
    try:
        community = await store.community(args.platform, args.community)
        now = time.time()
        if args.command == "leaderboard":
            view = await (board_with_moves if args.image else leaderboard)(
                store,
                community,
                period=parse_period(args.period),
                at=now,
                teams=args.teams,
                competition=args.competition,
                limit=args.limit,
            )
            print(render.board(view))
            if args.image:  # the card as a PNG; the text above is printed either way
                from .adapters.console.pictures import write_card
                from .cards import compose

                print(await write_card(compose.board(view), Path(args.image)))
        else:
            bank = load_bank(settings.questions)
            stats = await player_stats(store, bank, community, args.user.lower(), now)
            print(render.stats(stats))
            found = await store.find_player(community, args.user.lower())
            if found is not None:  # what the study features know of this person
                from .adapters.study_text import summary_text
                from .core.study.service import StudyService

                study = StudyService(store, lambda: bank)
                await study.fold_channel_answers()
                print(summary_text(await study.summary(found.id), practice="quizbot practice"))
            if args.image:
                from .adapters.console.pictures import write_card
                from .cards import compose
                from .core.progress import progress

                shown = await progress(
                    store, bank, community, args.user.lower(), now, study=study if found else None
                )
                print(await write_card(compose.progress(shown), Path(args.image)))
    finally:
        await store.close()
    return 0
