"""Shared pieces of the benchmarks: figures, medians, a no-op chat, memory readings."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.views import ChannelRef, LeaderboardView, QuestionView, RevealView


@dataclass(frozen=True)
class Figure:
    """One printed measurement, with the target it is held to (None: shown for comparison only)."""

    name: str
    value: float
    unit: str
    target: str | None = None
    met: bool | None = None

    def line(self) -> str:
        verdict = "" if self.met is None else ("  ok" if self.met else "  MISSED")
        goal = f"  (target {self.target})" if self.target else ""
        return f"  {self.name:<58} {self.value:>12,.3f} {self.unit:<9}{goal}{verdict}"


def below(name: str, value: float, unit: str, limit: float) -> Figure:
    return Figure(name, value, unit, f"< {limit:g} {unit}", value < limit)


def at_least(name: str, value: float, unit: str, floor: float) -> Figure:
    return Figure(name, value, unit, f">= {floor:g}", value >= floor)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `fn()` in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


async def amedian_ms(fn: Callable[[], Awaitable[object]], repeat: int) -> float:
    """Median wall time of `await fn()` in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def rss_mib() -> float:
    """Resident memory of this process now, in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class NullChat:
    """A platform that accepts everything at once: isolates the bot's own cost."""

    def __init__(self) -> None:
        self.posted = 0
        self.reveals = 0

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        self.posted += 1
        return f"m{view.round_id}"

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        self.reveals += 1

    async def read_answers(
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]]:
        return []

    async def remove_mark(self, where: ChannelRef, message_ref: str, player: str, option: int) -> None:
        return None

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        return None
