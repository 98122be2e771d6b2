"""Image cards: the drawn text is the data's (checked through the layout), and every card decodes as a PNG."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from PIL import Image, ImageStat

from bot.cards.board import BoardRow, board_card, season_card
from bot.cards.draw import SCALE, measure, render, render_async
from bot.cards.layout import ELLIPSIS, Text, fit
from bot.cards.progress import Progress, StageLine, progress_card

NAMES = [
    "Ann",
    "Bo the extremely long named player who never, ever stops typing their name",
    "Chidi 🚀✨👩‍👩‍👧",  # emoji, a zero-width-joined family
    "עברית ومرحبا",  # right-to-left scripts
    "Zalgo z̷̢̛a̸l̴g̶o̵",  # stacked combining marks
    "李小龍",
    "tab\tand\nnewline",
    "",
]


def _rows(n: int = 10) -> list[BoardRow]:
    return [
        BoardRow(i + 1, NAMES[i % len(NAMES)] or f"p{i}", 500 - 10 * i, 20 - i, 25, move=(i % 3) - 1)
        for i in range(n)
    ]


def _decode(png: bytes, card_w: int, card_h: int) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.size == (card_w * SCALE, card_h * SCALE)
    return image


def test_the_board_card_shows_each_rows_rank_name_points_and_move() -> None:
    rows = _rows()
    card = board_card("Leaderboard: this week (2026-W49)", "Players", rows, measure)
    texts = card.texts()
    assert texts[0] == "Leaderboard: this week (2026-W49)" and "Players" in texts
    for row in rows:
        assert (
            str(row.rank) in texts and f"{row.points:,}" in texts and f"{row.correct}/{row.answered}" in texts
        )
    assert texts.count("▲1") == sum(r.move == 1 for r in rows) and "=" in texts and "▼1" in texts


def test_long_names_are_cut_with_an_ellipsis_to_their_column() -> None:
    card = board_card("Board", "Players", _rows(), measure)
    names = [t for t in card.items if isinstance(t, Text) and t.max_width == 330.0]
    assert len(names) == 10
    long = next(t for t in names if t.text.startswith("Bo the"))
    assert long.text.endswith(ELLIPSIS) and measure(long.text, long.size, long.bold) <= 330.0
    assert all(measure(t.text, t.size, t.bold) <= 330.0 for t in names)
    assert next(t for t in names if t.text.startswith("tab")).text == "tab and newline"


def test_the_viewers_own_row_is_added_when_off_the_board_and_not_twice() -> None:
    me = BoardRow(17, "Viewer", 40, 2, 9, None, me=True)
    with_me = board_card("Board", "Players", _rows(), measure, me=me)
    assert with_me.texts().count("Viewer") == 1 and "17" in with_me.texts() and "new" in with_me.texts()
    on_board = [*_rows(3), BoardRow(4, "Viewer", 1, 1, 1, me=True)]
    assert board_card("Board", "Players", on_board, measure, me=on_board[-1]).texts().count("Viewer") == 1
    assert len([t for t in board_card("B", "P", _rows(15), measure).texts() if t.endswith("/25")]) == 10


def test_fit_never_exceeds_the_width_for_any_text() -> None:
    for text in [*NAMES, "W" * 200, "é" * 50]:
        for width in (20.0, 80.0, 300.0):
            out = fit(text, 20, False, width, measure)
            assert measure(out, 20, False) <= width or out == ELLIPSIS


@pytest.mark.parametrize("make", ["board", "season", "progress", "empty board", "empty season"])
def test_every_card_renders_to_a_png_that_decodes_and_is_not_blank(make: str) -> None:
    stages = tuple(StageLine(f"Stage {i}", i, 5, i / 5 if i % 2 else None) for i in range(6))
    progress = Progress("Chidi 🚀", 420, 3, 18, 29, 4, 9, stages, (("W48", 120), ("W49", 0)), 5, 12)
    card = {
        "board": lambda: board_card("Board", "Players", _rows(), measure),
        "season": lambda: season_card("Winter Cup", "ended", _rows(6), measure, footer="Best: Ann 120"),
        "progress": lambda: progress_card(progress, measure),
        "empty board": lambda: board_card("Board", "Players", [], measure),
        "empty season": lambda: season_card("Cup", "ended", [], measure),
    }[make]()
    image = _decode(render(card), card.width, card.height)
    assert image.getpixel((0, 0))[3] == 0  # transparent outside the rounded panel
    assert max(ImageStat.Stat(image.convert("L")).stddev) > 10  # something is drawn on it


def test_the_progress_card_shows_the_stages_figures_and_weeks() -> None:
    stages = (StageLine("Data preparation", 3, 4, 0.5), StageLine("Model training", 0, 2, None))
    card = progress_card(Progress("Ann", 99, None, 3, 6, 0, 2, stages, (("W48", 40), ("W49", 59))), measure)
    texts = card.texts()
    for expected in (
        "Ann: progress",
        "Data preparation",
        "3/4 · 50%",
        "Model training",
        "0/2",
        "W48",
        "59",
        "#3",
    ):
        if expected == "#3":
            assert "#3" not in texts and "–" in texts  # no rank shown as a dash
        else:
            assert expected in texts, expected


async def test_rendering_runs_off_the_event_loop() -> None:
    card = board_card("Board", "Players", _rows(), measure)
    assert await render_async(card) == render(card)


def test_importing_the_layouts_does_not_import_pillow() -> None:
    code = (  # the layouts, and every module that draws them, until a card is first drawn
        "import sys, bot.cards.board, bot.cards.progress, bot.cards.compose, bot.app, bot.commands, "
        "bot.adapters.console.run, bot.adapters.discord.cards, bot.adapters.slack.files; "
        "print('PIL' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
