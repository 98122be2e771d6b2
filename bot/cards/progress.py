"""The progress card of `/stats`: accuracy by stage as bars, points over the last weeks, streaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .layout import THEME, Box, Card, Measure, Text, Theme, bar, fit, frame, heading

WIDTH = 760
STAGE_ROW = 30


@dataclass(frozen=True)
class StageLine:
    """One stage: correct of answered, and readiness (0..1) where the study features know it."""

    name: str
    correct: int
    answered: int
    readiness: float | None = None


@dataclass(frozen=True)
class Progress:
    """Everything the progress card shows."""

    name: str
    points: int
    rank: int | None
    correct: int
    answered: int
    streak: int
    best_streak: int
    stages: tuple[StageLine, ...]
    weeks: tuple[tuple[str, int], ...] = ()  # (label, points), oldest first
    due_now: int | None = None
    due_week: int | None = None


def _tiles(card: Card, y: float, p: Progress, theme: Theme) -> float:
    accuracy = f"{round(100 * p.correct / p.answered)}%" if p.answered else "–"
    tiles = [
        ("Points", f"{p.points:,}"),
        ("Rank", f"#{p.rank}" if p.rank else "–"),
        ("Right", f"{p.correct}/{p.answered} ({accuracy})"),
        ("Streak", f"{p.streak} (best {p.best_streak})"),
    ]
    if p.due_now is not None:
        tiles.append(("Due now", f"{p.due_now} ({p.due_week or 0} this week)"))
    width = (card.width - 56 - 8 * (len(tiles) - 1)) / len(tiles)
    for i, (label, value) in enumerate(tiles):
        x = 28 + i * (width + 8)
        card.items.append(Box(x, y, x + width, y + 64, theme.band, radius=12))
        card.items.append(Text(x + 12, y + 8, label, 13, theme.muted))
        card.items.append(Text(x + 12, y + 30, value, 18 if len(value) < 12 else 14, theme.text, bold=True))
    return y + 84


def _weeks(card: Card, y: float, weeks: Sequence[tuple[str, int]], theme: Theme) -> float:
    card.items.append(Text(28, y, "Points by week", 16, theme.muted, bold=True))
    y += 28
    top = max((pts for _, pts in weeks), default=0) or 1
    slot = (card.width - 56) / max(1, len(weeks))
    chart = 90
    for i, (label, pts) in enumerate(weeks):
        x = 28 + i * slot
        h = chart * pts / top
        card.items.append(Box(x + 8, y + chart - h, x + slot - 8, y + chart, theme.bar, radius=4))
        card.items.append(Text(x + slot / 2, y + chart - h - 18, f"{pts}", 12, theme.text, align="center"))
        card.items.append(Text(x + slot / 2, y + chart + 6, label, 11, theme.muted, align="center"))
    return y + chart + 30


def progress_card(p: Progress, measure: Measure, theme: Theme = THEME) -> Card:
    """The card for one person's `/stats`."""
    height = 104 + 84 + 36 + STAGE_ROW * max(1, len(p.stages)) + (150 if p.weeks else 0) + 20
    card = frame(WIDTH, height, theme)
    sub = "Accuracy by stage" + (
        " · readiness = FSRS recall over the stage's questions"
        if any(s.readiness is not None for s in p.stages)
        else ""
    )
    y = heading(card, f"{p.name}: progress", sub, measure, theme)
    y = _tiles(card, y, p, theme)
    card.items.append(Text(28, y, "Stage", 14, theme.muted))
    card.items.append(Text(card.width - 28, y, "Right · readiness", 14, theme.muted, align="right"))
    y += 26
    if not p.stages:
        card.items.append(Text(28, y, "No answers yet.", 18, theme.muted))
    for s in p.stages:
        name = fit(s.name, 15, False, 250, measure)
        card.items.append(Text(28, y, name, 15, theme.text, max_width=250))
        share = s.correct / s.answered if s.answered else 0.0
        bar(card, 290, y + 4, 280, 12, share, theme)
        right = f"{s.correct}/{s.answered}" + (
            f" · {round(100 * s.readiness)}%" if s.readiness is not None else ""
        )
        card.items.append(Text(card.width - 28, y, right, 14, theme.muted, align="right"))
        y += STAGE_ROW
    if p.weeks:
        _weeks(card, y + 16, p.weeks, theme)
    return card
