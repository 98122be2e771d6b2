"""Card layout as plain values: where each text, box and bar goes. Pure; the drawing is in `draw.py`.

Tests check a card through this same layout (the texts it will draw, their places and widths), so what
the picture says is checked without reading pixels back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# measure(text, size, bold) -> width in pixels, from the font the card is drawn with
Measure = Callable[[str, int, bool], float]

ELLIPSIS = "…"


@dataclass(frozen=True)
class Theme:
    """Colours of a card (RGB(A) hex). One theme reads on light and dark chat backgrounds alike."""

    background: str = "#1f2430"
    border: str = "#3b4252"
    band: str = "#2b3142"
    text: str = "#eceff4"
    muted: str = "#a3acbd"
    accent: str = "#88c0d0"
    me: str = "#34405a"
    up: str = "#a3be8c"
    down: str = "#e0787a"
    gold: str = "#ebcb8b"
    silver: str = "#d0d6e0"
    bronze: str = "#d08770"
    bar: str = "#5e81ac"
    bar_back: str = "#2e3446"


THEME = Theme()


@dataclass(frozen=True)
class Text:
    """A line of text at x (its left edge, right edge or middle, by `align`), its top at y."""

    x: float
    y: float
    text: str
    size: int
    color: str
    bold: bool = False
    align: str = "left"  # left | right | center
    max_width: float | None = None  # the layout already cut it to fit; kept for tests


@dataclass(frozen=True)
class Box:
    """A filled rectangle, rounded by `radius`."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: str
    radius: int = 0
    outline: str | None = None


@dataclass
class Card:
    """What to draw, in order, on a canvas of width x height (transparent outside the card's box)."""

    width: int
    height: int
    items: list[Text | Box] = field(default_factory=list)

    def texts(self) -> list[str]:
        """Every text on the card, in drawing order."""
        return [i.text for i in self.items if isinstance(i, Text)]


def fit(text: str, size: int, bold: bool, width: float, measure: Measure) -> str:
    """`text` cut with an ellipsis so that it is at most `width` wide; any character is safe."""
    text = " ".join(text.split())  # no newlines or tabs inside a row
    if measure(text, size, bold) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if measure(text[:mid].rstrip() + ELLIPSIS, size, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def frame(width: int, height: int, theme: Theme = THEME) -> Card:
    """An empty card: a rounded panel with a border."""
    card = Card(width, height)
    card.items.append(Box(0, 0, width - 1, height - 1, theme.background, radius=18, outline=theme.border))
    return card


def heading(card: Card, title: str, subtitle: str, measure: Measure, theme: Theme = THEME) -> float:
    """The title band; returns the y below it."""
    pad = 28
    card.items.append(Box(1, 1, card.width - 2, 86, theme.band, radius=18))
    card.items.append(Box(1, 60, card.width - 2, 86, theme.band))  # square off the band's lower corners
    width = card.width - 2 * pad
    card.items.append(
        Text(pad, 16, fit(title, 28, True, width, measure), 28, theme.text, bold=True, max_width=width)
    )
    card.items.append(
        Text(pad, 54, fit(subtitle, 16, False, width, measure), 16, theme.muted, max_width=width)
    )
    return 104


def bar(
    card: Card, x: float, y: float, width: float, height: float, share: float, theme: Theme = THEME
) -> None:
    """A horizontal bar filled to `share` (0..1)."""
    share = min(1.0, max(0.0, share))
    card.items.append(Box(x, y, x + width, y + height, theme.bar_back, radius=int(height // 2)))
    if share > 0:
        filled = max(height, width * share)  # a small share still shows as a dot, not nothing
        card.items.append(Box(x, y, x + filled, y + height, theme.bar, radius=int(height // 2)))


def wrap(text: str, size: int, bold: bool, width: float, measure: Measure, lines: int) -> list[str]:
    """`text` in at most `lines` lines of at most `width` each, the last cut with an ellipsis if it goes on."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines:
        line = words.pop(0)
        while words and measure(f"{line} {words[0]}", size, bold) <= width:
            line += " " + words.pop(0)
        out.append(fit(line, size, bold, width, measure))  # one word wider than the line is cut
    if words and out:
        out[-1] = fit(out[-1] + " " + " ".join(words), size, bold, width, measure)
    return out
