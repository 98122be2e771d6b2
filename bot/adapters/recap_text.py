"""The weekly recap as text: the fallback under its picture on every platform, and the console's whole post."""

from __future__ import annotations

from collections.abc import Callable

from ..core.recap import RecapView


def recap_lines(view: RecapView, shown: Callable[[str], str] = str, bold: str = "") -> list[str]:
    """Lines of the recap; `shown` escapes user text for the platform, `bold` is its bold marker (* or **)."""
    lines = [f"{bold}{view.title}{bold}"]
    rows = view.board.rows
    if rows:
        lines.append(
            "Top of the week: "
            + ", ".join(f"{s.rank}. {shown(s.name)} {s.points}" for s in rows[:5])
            + (f" (and {len(rows) - 5} more on the board)" if len(rows) > 5 else "")
        )
    if view.climbers:
        climbed = ", ".join(f"{shown(c.name)} up {c.places} to #{c.rank}" for c in view.climbers)
        lines.append(f"Biggest climbers: {climbed}")
    if view.missed is not None:
        q = view.missed
        lines.append(
            f"Most missed ({q.wrong} of {q.answered} got it wrong, {shown(q.stage_name)}): "
            f"{shown(q.question.prompt)}"
        )
        lines.append(f"Answer: {shown(q.answer)}. {shown(q.question.explanation)}")
    return lines
