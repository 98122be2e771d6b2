"""Draw a laid-out card to PNG bytes with Pillow, imported on first use (never at start-up).

Drawing is CPU work of tens of milliseconds: callers on the event loop use `render_async`, which runs it in
a worker thread.
"""

from __future__ import annotations

import asyncio
import io
import threading
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .layout import Box, Card, Text

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

SCALE = 2  # drawn at twice the layout's size, so text stays sharp on high-density screens
_lock = threading.Lock()  # FreeType font objects are not safe to share across threads at once


@cache
def _font(size: int, bold: bool) -> FreeTypeFont:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    with resources.as_file(resources.files("bot.cards") / "fonts" / name) as path:
        return ImageFont.truetype(str(path), size * SCALE)


def measure(text: str, size: int, bold: bool) -> float:
    """Width of `text` in layout pixels, in the shipped font."""
    with _lock:
        return float(_font(size, bold).getlength(text)) / SCALE


def render(card: Card) -> bytes:
    """The card as PNG bytes (RGBA, transparent outside the card's rounded panel)."""
    from PIL import Image, ImageDraw

    with _lock:
        image = Image.new("RGBA", (card.width * SCALE, card.height * SCALE), (0, 0, 0, 0))
        pen = ImageDraw.Draw(image)
        for item in card.items:
            _draw(pen, item)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _draw(pen: Any, item: Box | Text) -> None:
    s = SCALE
    if isinstance(item, Box):
        box = (item.x0 * s, item.y0 * s, item.x1 * s, item.y1 * s)
        pen.rounded_rectangle(box, radius=item.radius * s, fill=item.color, outline=item.outline, width=s)
        return
    font = _font(item.size, item.bold)
    shift = {"right": 1.0, "center": 0.5}.get(item.align, 0.0)
    x = item.x * s - shift * font.getlength(item.text)
    pen.text((x, item.y * s), item.text, font=font, fill=item.color)


async def render_async(card: Card) -> bytes:
    """`render` in a worker thread, so the event loop never waits on drawing."""
    return await asyncio.to_thread(render, card)
