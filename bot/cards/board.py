"""The leaderboard card and the season (final standings) card, laid out from plain rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .layout import THEME, Box, Card, Measure, Text, Theme, fit, frame, heading, wrap

WIDTH = 760
ROW = 44


@dataclass(frozen=True)
class BoardRow:
    """One row: rank, name, points, correct/answered and the move since the previous period."""

    rank: int
    name: str
    points: int | float  # a team's average per active member has one decimal
    correct: int
    answered: int
    move: int | None = None  # places up (+) or down (-) since the previous period; None when new or unknown
    detail: str = ""  # teams: "4 members, 3 active"
    me: bool = False


def _medal(rank: int, theme: Theme) -> str:
    return {1: theme.gold, 2: theme.silver, 3: theme.bronze}.get(rank, theme.muted)


def _move(move: int | None) -> str:
    if move is None:
        return "new"
    if move == 0:
        return "="
    return f"▲{move}" if move > 0 else f"▼{-move}"


def board_row(
    card: Card, y: float, row: BoardRow, measure: Measure, theme: Theme, moves: bool = True
) -> None:
    if row.me:
        card.items.append(Box(14, y - 6, card.width - 14, y + ROW - 10, theme.me, radius=10))
    card.items.append(Text(64, y, f"{row.rank}", 22, _medal(row.rank, theme), bold=True, align="right"))
    name_width = 330.0
    name = fit(row.name, 20, row.me, name_width, measure)
    card.items.append(Text(84, y + 1, name, 20, theme.text, bold=row.me, max_width=name_width))
    if row.detail:
        card.items.append(Text(84, y + 24, fit(row.detail, 12, False, name_width, measure), 12, theme.muted))
    card.items.append(Text(540, y, f"{row.points:,}", 22, theme.text, bold=True, align="right"))
    card.items.append(Text(640, y + 3, f"{row.correct}/{row.answered}", 18, theme.muted, align="right"))
    if moves:
        color = theme.up if (row.move or 0) > 0 else theme.down if (row.move or 0) < 0 else theme.muted
        card.items.append(Text(card.width - 28, y + 3, _move(row.move), 18, color, align="right"))


def board_card(
    title: str,
    subtitle: str,
    rows: Sequence[BoardRow],
    measure: Measure,
    me: BoardRow | None = None,
    theme: Theme = THEME,
    moves: bool = True,
) -> Card:
    """The top rows (at most ten), and the viewer's own row below a gap when it is not among them; `moves`
    False leaves out the Move column (a board that tracks no movement says why in its subtitle)."""
    rows = list(rows)[:10]
    extra = 1 if me is not None and not any(r.me for r in rows) else 0
    height = 104 + 36 + ROW * max(1, len(rows)) + (ROW + 16) * extra + 24
    card = frame(WIDTH, height, theme)
    y = heading(card, title, subtitle, measure, theme)
    for x, label, right in (
        (64, "#", True),
        (84, "Name", False),
        (540, "Points", True),
        (640, "Right", True),
    ):
        card.items.append(Text(x, y, label, 14, theme.muted, align="right" if right else "left"))
    if moves:
        card.items.append(Text(WIDTH - 28, y, "Move", 14, theme.muted, align="right"))
    y += 36
    if not rows:
        card.items.append(Text(84, y, "No answers yet.", 20, theme.muted))
    for row in rows:
        board_row(card, y, row, measure, theme, moves)
        y += ROW
    if extra and me is not None:
        card.items.append(Text(84, y - 8, "⋯", 20, theme.muted))
        board_row(card, y + 16, me, measure, theme, moves)
    return card


def season_card(
    title: str,
    subtitle: str,
    rows: Sequence[BoardRow],
    measure: Measure,
    footer: str = "",
    theme: Theme = THEME,
) -> Card:
    """A competition's final standings: the winners large, the rest of the top ten below, and a footer line
    (the rule, the winning team's best contributors)."""
    rows = list(rows)[:10]
    podium, rest = rows[:3], rows[3:]
    notes = wrap(footer, 16, False, WIDTH - 56, measure, 2) if footer else []
    height = 104 + 150 + ROW * len(rest) + 8 + 24 * len(notes) + 30
    card = frame(WIDTH, height, theme)
    y = heading(card, title, subtitle, measure, theme)
    slot = (WIDTH - 56) / 3
    for i, row in enumerate(podium):
        x = 28 + i * slot
        card.items.append(Box(x + 6, y, x + slot - 6, y + 130, theme.band, radius=14))
        card.items.append(Text(x + 22, y + 12, f"#{row.rank}", 30, _medal(row.rank, theme), bold=True))
        width = slot - 44
        card.items.append(
            Text(x + 22, y + 56, fit(row.name, 20, True, width, measure), 20, theme.text, bold=True)
        )
        card.items.append(
            Text(x + 22, y + 88, f"{row.points:,} pts · {row.correct}/{row.answered}", 16, theme.muted)
        )
    if not podium:
        card.items.append(Text(40, y + 50, "Nobody answered in this competition.", 20, theme.muted))
    y += 150
    for row in rest:
        board_row(card, y, row, measure, theme, moves=False)
        y += ROW
    for line in notes:  # the rule and the winners' best contributors, in up to two lines
        card.items.append(Text(28, y + 4, line, 16, theme.accent, max_width=WIDTH - 56))
        y += 24
    return card
