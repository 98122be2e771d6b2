"""Fair team rules, pure: how a team's points count (sum, average per active member, top N members), team
standings from stored totals, and when a recurring competition's next season runs."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .errors import InvalidInputError, quoted
from .ranking import Standing
from .records import CompetitionRecord, TeamTotals

KINDS = ("players", "teams")
REPEATS = ("weekly", "monthly")
MAX_TOP = 50
_TOP = re.compile(r"^top[ _-]?(\d{1,2})$")


@dataclass(frozen=True)
class TeamRule:
    """How a team's points count on a board: 'sum', 'average' (per active member) or 'top' (N best)."""

    name: str = "sum"
    n: int = 0

    def describe(self) -> str:
        """The rule in words, for the board."""
        if self.name == "average":
            return "average points per active member"
        if self.name == "top":
            return f"points of the top {self.n} members"
        return "sum of members' points"

    def __str__(self) -> str:
        return f"top {self.n}" if self.name == "top" else self.name


def parse_rule(text: str) -> TeamRule:
    """A rule from user text: sum, average (avg), top N (top3, top-3)."""
    word = " ".join(text.lower().split())
    if word in ("sum", "total"):
        return TeamRule("sum")
    if word in ("average", "avg", "mean"):
        return TeamRule("average")
    found = _TOP.match(word)
    if found and 1 <= int(found.group(1)) <= MAX_TOP:
        return TeamRule("top", int(found.group(1)))
    raise InvalidInputError(
        f"a team rule is sum, average or top N (N from 1 to {MAX_TOP}); not {quoted(text)}"
    )


def competition_rule(comp: CompetitionRecord) -> TeamRule:
    """The rule a competition was started with."""
    return TeamRule(comp.rule, comp.top_n) if comp.rule in ("average", "top") else TeamRule()


def team_score(row: TeamTotals, rule: TeamRule) -> int | float:
    """A team's points under a rule; an average is rounded to one decimal (what the board shows and ranks)."""
    if rule.name == "average":
        return round(row.points / row.active, 1) if row.active else 0
    if rule.name == "top":
        return row.top
    return row.points


def team_standings(rows: Iterable[TeamTotals], rule: TeamRule, limit: int | None = None) -> list[Standing]:
    """Rank teams by their points under `rule`, most first; equal points share a rank. Only the first `limit`
    are built (a board of a thousand teams shows ten)."""
    scored = sorted(
        ((team_score(r, rule), r.name.casefold(), r.key, r) for r in rows), key=lambda x: (-x[0], x[1], x[2])
    )
    out: list[Standing] = []
    for i, (score, _, _, r) in enumerate(scored[:limit]):
        rank = out[-1].rank if out and out[-1].points == score else i + 1
        members = f"{r.members} member" + ("" if r.members == 1 else "s")
        out.append(
            Standing(rank, r.key, r.name, score, r.correct, r.answered, f"{members}, {r.active} active")
        )
    return out


def _next_month(when: datetime) -> datetime:
    year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def _step(at: float, repeats: str) -> float:
    when = datetime.fromtimestamp(at, UTC)
    nxt = when + timedelta(days=7) if repeats == "weekly" else _next_month(when)
    return nxt.timestamp()


def next_season(comp: CompetitionRecord, now: float) -> CompetitionRecord | None:
    """The season after `comp` (None when it does not repeat): from its end (or now, if ended early) for one
    week or month; seasons wholly missed while the bot was down are skipped, so the next one ends after now."""
    if comp.repeats not in REPEATS:
        return None
    series = comp.series or comp.name
    start = min(comp.ends_at, now)
    end = _step(start, comp.repeats)
    while end <= now:
        start, end = end, _step(end, comp.repeats)
    season = comp.season + 1
    return replace(
        comp,
        id=0,
        name=f"{series} #{season}",
        starts_at=start,
        ends_at=end,
        finished_at=None,
        series=series,
        season=season,
    )


def competition_terms(comp: CompetitionRecord) -> str:
    """Who competes, under which rule, and how it repeats, in words: 'teams, top 3 members' points, weekly'."""
    parts = ["teams, " + competition_rule(comp).describe()] if comp.kind == "teams" else ["players"]
    if comp.repeats:
        parts.append(f"repeats {comp.repeats}, season {comp.season}")
    return "; ".join(parts)


def parse_competition_options(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """Split `start` words into (name and end, options): trailing players|teams, sum|average|top N and
    weekly|monthly, each also as kind:X, rule:X, repeat:X."""
    options: dict[str, str] = {}
    rest = list(words)
    while rest:
        word = rest[-1].lower()
        for prefix in ("kind:", "rule:", "repeat:", "repeats:"):
            word = word.removeprefix(prefix)
        if word in KINDS and "kind" not in options:
            options["kind"] = word
        elif word in REPEATS and "repeats" not in options:
            options["repeats"] = word
        elif (word in ("sum", "average", "avg") or _TOP.match(word)) and "rule" not in options:
            options["rule"] = word
        elif word.isdigit() and len(rest) > 1 and rest[-2].lower().removeprefix("rule:") == "top":
            if "rule" in options:
                break
            options["rule"] = f"top {word}"
            rest.pop()
        else:
            break
        rest.pop()
    return rest, options
