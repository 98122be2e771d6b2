"""The weekly recap card: the week's top ten with their movement, the biggest climbers, and the question most
people missed with its answer and explanation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .board import ROW, WIDTH, BoardRow, board_row
from .layout import THEME, Box, Card, Measure, Text, Theme, fit, frame, heading, wrap

PROMPT_LINES, EXPLANATION_LINES = 3, 5


@dataclass(frozen=True)
class Missed:
    """The question most people got wrong, as asked."""

    prompt: str
    answer: str  # "B) Amazon SageMaker Clarify"
    figures: str  # "7 of 9 got it wrong"
    explanation: str


@dataclass(frozen=True)
class Recap:
    """Everything the recap card shows."""

    title: str  # "Week 2026-W48 in #quiz"
    subtitle: str
    rows: tuple[BoardRow, ...]
    climbers: tuple[str, ...] = ()  # "Ann ▲5 to #2"
    missed: Missed | None = None


def recap_card(recap: Recap, measure: Measure, theme: Theme = THEME) -> Card:
    """The recap as one picture; every part that has nothing to show is left out."""
    rows = list(recap.rows)[:10]
    inner = WIDTH - 56
    prompt: list[str] = []
    explanation: list[str] = []
    if recap.missed is not None:
        prompt = wrap(recap.missed.prompt, 17, True, inner - 24, measure, PROMPT_LINES)
        explanation = wrap(recap.missed.explanation, 15, False, inner - 24, measure, EXPLANATION_LINES)
    missed_height = 0 if recap.missed is None else 48 + 24 * len(prompt) + 56 + 21 * len(explanation) + 16
    height = 104 + 36 + ROW * max(1, len(rows)) + (56 if recap.climbers else 0) + missed_height + 24
    card = frame(WIDTH, height, theme)
    y = heading(card, recap.title, recap.subtitle, measure, theme)
    card.items.append(Text(28, y, "Top of the week", 14, theme.muted, bold=True))
    y += 36
    if not rows:
        card.items.append(Text(84, y, "No answers this week.", 20, theme.muted))
    for row in rows:
        board_row(card, y, row, measure, theme)
        y += ROW
    if recap.climbers:
        card.items.append(Text(28, y + 6, "Biggest climbers", 14, theme.muted, bold=True))
        line = fit("  ·  ".join(recap.climbers), 17, False, inner, measure)
        card.items.append(Text(28, y + 28, line, 17, theme.up, max_width=inner))
        y += 56
    if recap.missed is not None:
        _missed(card, y + 8, recap.missed, prompt, explanation, measure, theme)
    return card


def _missed(
    card: Card,
    y: float,
    missed: Missed,
    prompt: Sequence[str],
    explanation: Sequence[str],
    measure: Measure,
    theme: Theme,
) -> None:
    inner = WIDTH - 56
    bottom = y + 40 + 24 * len(prompt) + 56 + 21 * len(explanation)
    card.items.append(Box(28, y, 28 + inner, bottom, theme.band, radius=12))
    card.items.append(Text(40, y + 10, "Most missed question", 14, theme.muted, bold=True))
    card.items.append(Text(16 + inner, y + 10, missed.figures, 14, theme.down, align="right"))
    y += 36
    for line in prompt:
        card.items.append(Text(40, y, line, 17, theme.text, bold=True, max_width=inner - 24))
        y += 24
    answer = fit("Answer: " + missed.answer, 16, True, inner - 24, measure)
    card.items.append(Text(40, y + 8, answer, 16, theme.up, bold=True, max_width=inner - 24))
    y += 40
    for line in explanation:
        card.items.append(Text(40, y, line, 15, theme.muted, max_width=inner - 24))
        y += 21
