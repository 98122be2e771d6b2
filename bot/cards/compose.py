"""The core's views as image cards, and drawing them off the event loop with the text as the fallback.

Every adapter calls these: `draw(make)` lays out and draws a card in a worker thread and answers None (logged)
when anything fails, so the caller posts its text version alone. Pillow is imported by the first drawing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..core.progress import ProgressView
from ..core.ranking import Standing
from ..core.recap import RecapView
from ..core.views import LeaderboardView
from .board import BoardRow, board_card, season_card
from .layout import Card, Measure
from .progress import Progress, StageLine, progress_card
from .recap import Missed, Recap, recap_card

log = logging.getLogger(__name__)
Make = Callable[[Measure], Card]


def _rows(view: LeaderboardView, viewer: str | None) -> tuple[list[BoardRow], BoardRow | None]:
    moves = view.moves or {}

    def row(s: Standing, me: bool) -> BoardRow:
        return BoardRow(s.rank, s.name, s.points, s.correct, s.answered, moves.get(s.key), s.detail, me)

    rows = [row(s, s.key == viewer) for s in view.rows]
    return rows, (row(view.me, True) if view.me is not None else None)


def subtitle(view: LeaderboardView) -> str:
    """Who is ranked, the rule in force and what the movement compares with (or why there is none)."""
    parts = ["Teams" if view.title.startswith("Teams") else "Players"]
    if view.note:
        parts.append(view.note.rstrip("."))
    if view.since:
        parts.append(("▲▼ " if view.moves is not None else "") + view.since)
    return " · ".join(parts)


def board(view: LeaderboardView, viewer: str | None = None) -> Make:
    """A leaderboard card: the top ten with movement, and the viewer's own row when off the board."""
    rows, me = _rows(view, viewer)
    return lambda m: board_card(view.title, subtitle(view), rows, m, me=me, moves=view.moves is not None)


def season(view: LeaderboardView) -> Make:
    """A competition's final standings."""
    rows, _ = _rows(view, None)
    kind = "teams" if view.title.startswith("Teams") else "players"
    sub = f"Final standings · {len(view.rows)} {kind} shown"
    return lambda m: season_card(view.title, sub, rows, m, footer=view.note)


def progress(view: ProgressView) -> Make:
    """A person's progress: tiles, accuracy (and readiness) by stage, points by week."""
    s, study = view.stats, view.study
    ready = {r.stage: r.score for r in study.readiness if r.met} if study is not None else {}
    stages = tuple(StageLine(a.name, a.correct, a.answered, ready.get(a.key)) for a in s.by_stage)
    data = Progress(
        s.name,
        s.points,
        s.rank,
        s.correct,
        s.answered,
        s.streak,
        s.best_streak,
        stages,
        view.weeks,
        study.due_now if study is not None else None,
        study.due_week if study is not None else None,
    )
    return lambda m: progress_card(data, m)


def recap(view: RecapView) -> Make:
    """The weekly recap card."""
    rows, _ = _rows(view.board, None)
    where = f"#{view.channel} · " if view.channel else ""
    since = f"▲▼ {view.board.since}" if view.board.moves is not None else view.board.since
    climbers = tuple(f"{c.name} ▲{c.places} to #{c.rank}" for c in view.climbers)
    missed = None
    if view.missed is not None:
        q = view.missed
        figures = f"{q.wrong} of {q.answered} got it wrong · {q.stage_name}"
        missed = Missed(q.question.prompt, q.answer, figures, q.question.explanation)
    data = Recap(view.title, f"{where}Players · {since}", tuple(rows), climbers, missed)
    return lambda m: recap_card(data, m)


def _draw(make: Make) -> bytes:
    from .draw import measure, render

    return render(make(measure))


async def draw(make: Make) -> bytes | None:
    """The card as PNG bytes, laid out and drawn in a worker thread; None when that failed (logged), so the
    caller posts the text version alone."""
    try:
        return await asyncio.to_thread(_draw, make)
    except Exception:
        log.exception("could not draw a card; posting the text alone")
        return None
