"""Start-up: `quizbot run` in console mode, from launch to its first question on screen; its memory then."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Figure, below

ROOT = Path(__file__).resolve().parent.parent


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _one(tmp: Path) -> tuple[float, float]:
    """Seconds until the first question is printed, and resident MiB at that moment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(tmp / "startup.sqlite3"), "run", "--platform", "console"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    try:
        for line in proc.stdout:
            if line.startswith("=== Question #"):
                ready = time.perf_counter() - start
                return ready, _rss_mib(proc.pid)
        raise RuntimeError("quizbot run exited before asking a question")
    finally:
        proc.kill()
        proc.wait()


def run(small: bool) -> list[Figure]:
    repeat = 3 if small else 9
    with tempfile.TemporaryDirectory() as tmp:
        _one(Path(tmp))  # the first start creates the database (and warms the disk cache)
        samples = [_one(Path(tmp)) for _ in range(repeat)]
    ready = statistics.median(s[0] for s in samples)
    rss = statistics.median(s[1] for s in samples)
    return [
        below("quizbot run (console): launch to first question (median)", ready, "s", 1),
        below("resident memory when the first question is up (median)", rss, "MiB", 80),
    ]
