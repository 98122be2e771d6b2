"""Cards: how long drawing each image card takes (layout and PNG: leaderboard, season, weekly recap, progress),
first draw and the 95th percentile."""

from __future__ import annotations

import time

from bench.common import Figure, below
from bot.cards.board import BoardRow, board_card, season_card
from bot.cards.draw import measure, render
from bot.cards.progress import Progress, StageLine, progress_card
from bot.cards.recap import Missed, Recap, recap_card


def _rows() -> list[BoardRow]:
    names = ["Ann", "Bo the extremely long named player who never stops", "Chidi 🚀", "Dörte Ünsal", "李小龍"]
    return [BoardRow(i + 1, names[i % 5], 900 - 37 * i, 30 - i, 40, (i % 5) - 2) for i in range(10)]


def _progress() -> Progress:
    stages = tuple(StageLine(f"Lifecycle stage {i}", 3 + i % 4, 8, (i % 10) / 10) for i in range(13))
    weeks = tuple((f"W{40 + i}", 50 * (i % 5)) for i in range(8))
    return Progress("Ann", 4200, 3, 180, 290, 4, 19, stages, weeks, 5, 12)


def _recap() -> Recap:
    missed = Missed(
        "A team must explain a credit model's individual decisions to auditors. Which service helps? " * 2,
        "B) Amazon SageMaker Clarify",
        "7 of 9 got it wrong · Model evaluation",
        "Clarify computes SHAP feature attributions for each prediction and bias metrics. " * 4,
    )
    return Recap(
        "Week 2026-W48 recap", "#quiz · Players", tuple(_rows()), ("Ann ▲5 to #2", "Bo ▲3 to #4"), missed
    )


def run(small: bool) -> list[Figure]:
    repeat = 5 if small else 60
    makers = {
        "leaderboard": lambda: board_card(
            "Leaderboard: this week", "Players", _rows(), measure, me=BoardRow(40, "Me", 1, 1, 2, me=True)
        ),
        "season": lambda: season_card(
            "Winter Cup: final standings",
            "ended",
            _rows(),
            measure,
            footer="Best for Ann's team: Ann 120, Bo 90",
        ),
        "recap": lambda: recap_card(_recap(), measure),
        "progress": lambda: progress_card(_progress(), measure),
    }
    figures = []
    started = time.perf_counter()
    render(makers["leaderboard"]())  # the first draw loads Pillow and the fonts
    figures.append(
        Figure("first card drawn (Pillow and fonts loaded)", (time.perf_counter() - started) * 1000, "ms")
    )
    for name, make in makers.items():
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            render(make())
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        figures.append(below(f"{name} card: layout + PNG, 95th percentile", p95, "ms", 150))
        figures.append(Figure(f"{name} card: median", times[len(times) // 2], "ms"))
    return figures
