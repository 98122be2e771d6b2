"""The core's views as cards: the drawn text (read through the layout) is the view's, and drawing failures fall
back to the text (draw answers None)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from bot.cards import compose
from bot.cards.draw import measure
from bot.cards.layout import Card, Text
from bot.core.bank import Bank
from bot.core.progress import ProgressView
from bot.core.ranking import Standing
from bot.core.recap import Climber, MissedQuestion, RecapView
from bot.core.study.readiness import Readiness
from bot.core.study.service import StudySummary
from bot.core.views import Accuracy, LeaderboardView, StatsView

ROWS = tuple(
    Standing(rank, key, name, points, correct, 12)
    for rank, key, name, points, correct in (
        (1, "u1", "Ann", 340, 11),
        (2, "u2", "Bo", 300, 10),
        (2, "u3", "Chidi", 300, 9),
        (4, "u4", "Dörte", 120, 5),
    )
)
WEEK = LeaderboardView(
    "Leaderboard: this week (2026-W49)",
    ROWS,
    me=Standing(17, "u17", "Viewer", 20, 1, 4),
    moves={"u1": 2, "u2": 0, "u3": -1, "u17": 4},  # u4 is new this week
    since="since the end of 2026-W48",
)


def _card(make: compose.Make) -> Card:
    card = make(measure)
    if os.environ.get("QUIZBOT_CARDS_OUT"):  # to look at them: QUIZBOT_CARDS_OUT=/tmp/cards pytest ...
        from bot.cards.draw import render

        out = Path(os.environ["QUIZBOT_CARDS_OUT"])
        out.mkdir(exist_ok=True)
        (out / f"{card.texts()[0][:24].replace(' ', '_').replace(':', '')}.png").write_bytes(render(card))
    return card


def _right_of(card: Card, text: str) -> str:
    """The text drawn at the far right of the row holding `text` (the Move column)."""
    row = next(t for t in card.items if isinstance(t, Text) and t.text == text)
    same = [t for t in card.items if isinstance(t, Text) and abs(t.y - row.y) < 6 and t.align == "right"]
    return max(same, key=lambda t: t.x).text


def test_a_week_board_shows_movement_new_rows_the_viewer_and_what_it_compares_with() -> None:
    card = _card(compose.board(WEEK, viewer="u17"))
    texts = card.texts()
    assert texts[0] == "Leaderboard: this week (2026-W49)"
    assert texts[1] == "Players · ▲▼ since the end of 2026-W48"
    assert [_right_of(card, n) for n in ("Ann", "Bo", "Chidi", "Dörte", "Viewer")] == [
        "▲2",
        "=",
        "▼1",
        "new",
        "▲4",
    ]
    assert "17" in texts and "11/12" in texts and "Move" in texts


def test_a_board_without_movement_drops_the_column_and_says_why() -> None:
    view = LeaderboardView(
        "Teams: Winter Cup (ends 2026-12-24 18:00 UTC)",
        (Standing(1, "7", "Red", 12.5, 30, 41, "4 members, 3 active"),),
        note="Rule: average points per active member.",
        since="no movement: a competition starts everyone level",
    )
    card = _card(compose.board(view))
    texts = card.texts()
    assert texts[1] == (
        "Teams · Rule: average points per active member · no movement: a competition starts everyone level"
    ) or texts[1].endswith("…")
    assert "Move" not in texts and "12.5" in texts and "4 members, 3 active" in texts
    assert not any(t in texts for t in ("new", "=", "▲1"))


def test_the_season_card_puts_the_winners_on_the_podium_and_ends_with_the_note() -> None:
    view = LeaderboardView(
        "Teams: Winter Cup (final)", ROWS, note="Rule: sum of members' points. Best for Ann: ann 120, bo 90."
    )
    texts = _card(compose.season(view)).texts()
    assert texts[:2] == ["Teams: Winter Cup (final)", "Final standings · 4 teams shown"]
    assert [t for t in texts if t in ("#1", "#2", "Ann", "Bo", "Chidi", "340 pts · 11/12")] == [
        "#1",
        "Ann",
        "340 pts · 11/12",
        "#2",
        "Bo",
        "#2",
        "Chidi",
    ]
    assert texts[-1] == "Rule: sum of members' points. Best for Ann: ann 120, bo 90."


def test_the_progress_card_charts_stages_with_readiness_due_reviews_weeks_and_streaks() -> None:
    stats = StatsView(
        "Ann",
        420,
        3,
        29,
        18,
        4,
        9,
        (Accuracy("prep", "Data preparation", 6, 8), Accuracy("train", "Model training", 1, 5)),
        (),
        None,
    )
    ready = (
        Readiness("prep", "Data preparation", 0.62, 5, 9),
        Readiness("train", "Model training", 0.0, 0, 7),
    )
    weeks = (("W47", 0), ("W48", 120), ("W49", 60))
    card = _card(compose.progress(ProgressView(stats, weeks, StudySummary(5, 12, ready, ()))))
    texts = card.texts()
    for expected in ("Ann: progress", "420", "#3", "18/29 (62%)", "4 (best 9)", "5 (12 this week)"):
        assert expected in texts, expected
    assert "6/8 · 62%" in texts and "1/5" in texts  # readiness only where the stage was met
    assert [t for t in texts if t.startswith("W4")] == ["W47", "W48", "W49"] and "120" in texts
    plain = _card(compose.progress(ProgressView(stats, weeks))).texts()
    assert "6/8" in plain and "Due now" not in plain  # someone else's stats: no study lines


def test_the_recap_card_shows_the_board_climbers_and_the_most_missed_question(mini_bank: Bank) -> None:
    question = next(iter(mini_bank.questions.values()))
    missed = MissedQuestion(question, "Model training", 7, 9)
    view = RecapView("2026-W48", "quiz", WEEK, (Climber("Ann", 2, 1),), missed)
    card = _card(compose.recap(view))
    texts = card.texts()
    assert texts[0] == "Week 2026-W48 recap" and texts[1].startswith("#quiz · Players · ▲▼ since")
    assert "Ann ▲2 to #1" in texts and "7 of 9 got it wrong · Model training" in texts
    assert "Answer: " + missed.answer in texts or any(t.startswith("Answer: ") for t in texts)
    drawn = " ".join(t.text for t in card.items if isinstance(t, Text) and t.size == 15)
    assert drawn.split()[:4] == question.explanation.split()[:4]


async def test_draw_gives_png_bytes_or_none_when_drawing_fails() -> None:
    png = await compose.draw(compose.board(WEEK))
    assert png is not None and Image.open(io.BytesIO(png)).format == "PNG"

    def broken(measure: object) -> Card:
        raise RuntimeError("no fonts")

    assert await compose.draw(broken) is None


@pytest.mark.parametrize("viewer", [None, "u1"])
def test_the_viewer_on_the_board_is_highlighted_not_repeated(viewer: str | None) -> None:
    view = LeaderboardView(WEEK.title, ROWS, moves={}, since="since the end of 2026-W48")
    card = _card(compose.board(view, viewer=viewer))
    assert card.texts().count("Ann") == 1
    bold = next(t for t in card.items if isinstance(t, Text) and t.text == "Ann").bold
    assert bold is (viewer == "u1")
