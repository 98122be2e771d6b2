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

    @property
    def missed(self) -> int:
        return int(self.met is False)


@dataclass(frozen=True)
class Note:
    """A line of context among the figures (what a suite ran on)."""

    text: str
    met: None = None
    missed: int = 0

    def line(self) -> str:
        return f"  {self.text}"


@dataclass(frozen=True)
class Compared:
    """The same measurement on each store, one line, side by side: `name  sqlite 1.2 ms ok  postgres ...`."""

    name: str
    figures: tuple[tuple[str, Figure], ...]  # (store, its figure), in the order the stores ran

    @property
    def met(self) -> bool | None:
        verdicts = [f.met for _, f in self.figures if f.met is not None]
        return all(verdicts) if verdicts else None

    @property
    def missed(self) -> int:
        return sum(f.missed for _, f in self.figures)

    def line(self) -> str:
        cells = []
        for store, f in self.figures:
            verdict = "" if f.met is None else ("ok" if f.met else "MISSED")
            cells.append(f"{store:>8} {_number(f.value):>11} {f.unit:<7}{verdict:<7}")
        targets = [(store, f.target) for store, f in self.figures if f.target]
        if not targets:
            goal = ""
        elif len({t for _, t in targets}) == 1:
            goal = f"(target {targets[0][1]})"
        else:
            goal = "(target " + "; ".join(f"{store} {t}" for store, t in targets) + ")"
        return f"  {self.name:<58}{''.join(cells)}{goal}".rstrip()


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:,.3f}"


def side_by_side(results: dict[str, list[Figure]]) -> list[Compared]:
    """Each store's figures (store -> figures, in the order the stores ran) merged into one line per
    measurement: the n-th figure of a name on one store beside the n-th of that name on the others. A figure
    one store lacks is shown for the others only, where it came in their list."""
    keyed = {store: _keyed(figures) for store, figures in results.items()}
    order: list[tuple[str, int]] = []
    for figures in keyed.values():
        at = 0
        for key in figures:
            if key in order:
                at = order.index(key) + 1
            else:
                order.insert(at, key)
                at += 1
    return [
        Compared(key[0], tuple((store, keyed[store][key]) for store in results if key in keyed[store]))
        for key in order
    ]


def _keyed(figures: list[Figure]) -> dict[tuple[str, int], Figure]:
    seen: dict[str, int] = {}
    out = {}
    for f in figures:
        seen[f.name] = seen.get(f.name, -1) + 1
        out[(f.name, seen[f.name])] = f
    return out


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
