"""Run every benchmark and print its figures: `python -m bench [--small] [--only NAME ...]`."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
import warnings

SUITES = {
    "reactions": "reaction ingestion end to end (real discord.py, loopback gateway in another process)",
    "storage": "answer writer, closing a round, boards during a burst, migrating a big file",
    "boards": "leaderboards at 1M answers",
    "teams": "team boards at 100k players in 1k teams, 1M answers, under each rule",
    "bank": "bank load and validation, lookup and autocomplete",
    "schedules": "10k schedules falling due at once",
    "startup": "quizbot run (console) start-up time and memory",
    "cards": "image cards: leaderboard, season, weekly recap and progress drawn to PNG",
    "study": "study features: due questions and question analytics at 1M answers",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--small", action="store_true", help="small sizes: checks the benchmarks work (seconds)"
    )
    parser.add_argument("--only", nargs="+", choices=list(SUITES), help="run only these suites")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    missed = 0
    suites = args.only or list(SUITES)
    if len(suites) > 1:  # each suite in a fresh process: one suite's leftovers must not slow the next
        print(
            f"quizbot benchmarks ({'small' if args.small else 'full'} sizes), python {sys.version.split()[0]}"
        )
        for name in suites:
            child = [sys.executable, "-m", "bench", "--only", name, *(["--small"] if args.small else [])]
            done = subprocess.run(child, capture_output=True, text=True, check=False)
            print(done.stdout.split("\n", 1)[1].rsplit("\n\n", 1)[0], flush=True)
            sys.stderr.write(done.stderr)
            missed += done.stdout.count("MISSED")
            if done.returncode != 0:
                print(f"  suite {name} failed (exit {done.returncode})")
                return done.returncode
        print(f"\n{'all targets met' if not missed else f'{missed} target(s) missed'}")
        return 0
    print(f"quizbot benchmarks ({'small' if args.small else 'full'} sizes), python {sys.version.split()[0]}")
    for name in suites:
        print(f"\n{name}: {SUITES[name]}", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        for figure in module.run(args.small):
            print(figure.line(), flush=True)
            missed += figure.met is False
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"\n{'all targets met' if not missed else f'{missed} target(s) missed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
