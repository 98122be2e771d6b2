"""Leaderboards and personal stats: reads over the maintained scores, ranked by the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

from .bank import Bank
from .errors import InvalidInputError, NotFoundError
from .periods import Period, period_key
from .ports import Store
from .ranking import Standing, rank_rows
from .records import AnswerFact, CompetitionRecord
from .stats import accuracy_by, weakest
from .teams import TeamRule, competition_rule, team_standings
from .views import LeaderboardView, StatsView


def parse_period(text: str) -> Period:
    """A Period from user text (all, week, month, competition)."""
    try:
        return Period(text.strip().lower())
    except ValueError:
        raise InvalidInputError(f"period is one of all, week, month, competition; not '{text}'") from None


def _title(period: Period, at: float, teams: bool, competition: CompetitionRecord | None) -> str:
    who = "Teams" if teams else "Leaderboard"
    when = datetime.fromtimestamp(at, UTC)
    if period is Period.WEEK:
        year, week, _ = when.isocalendar()
        return f"{who}: this week ({year}-W{week:02d})"
    if period is Period.MONTH:
        return f"{who}: this month ({when:%B %Y})"
    if period is Period.COMPETITION and competition is not None:
        state = (
            "final"
            if competition.finished_at
            else "ends " + datetime.fromtimestamp(competition.ends_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        )
        return f"{who}: {competition.name} ({state})"
    return f"{who}: all time"


async def find_competition(store: Store, community_id: int, name: str | None, at: float) -> CompetitionRecord:
    """A competition by name, or the running one, or the latest."""
    found = await store.competitions(community_id)
    if name:
        for comp in found:
            if comp.name.casefold() == name.strip().casefold():
                return comp
        raise NotFoundError(f"no competition called '{name}'")
    running = [c for c in found if c.finished_at is None and c.starts_at <= at < c.ends_at]
    if running or found:
        return (running or found)[0]
    raise NotFoundError("there is no competition here yet; an admin can start one")


async def leaderboard(
    store: Store,
    community_id: int,
    *,
    period: Period,
    at: float,
    teams: bool = False,
    competition: str | None = None,
    viewer: str | None = None,
    limit: int = 10,
    competition_default: bool = False,
) -> LeaderboardView:
    """The top `limit` players (or teams) of a period, plus the viewer's own row when off the board.

    With competition_default (a competition's standings), a team competition shows its teams."""
    comp = None
    if period is Period.COMPETITION or competition:
        comp = await find_competition(store, community_id, competition, at)
        period = Period.COMPETITION
    key = period_key(period, at, comp.id if comp else None)
    if comp is not None and competition_default and comp.kind == "teams":
        teams = True  # a team competition's standings are its teams'
    title = _title(period, at, teams, comp)
    if teams:
        return await team_board(store, community_id, key, title, comp, limit)
    board = rank_rows(await store.leaderboard(community_id, key, limit))
    me = None
    if viewer is not None and all(s.key != viewer for s in board):
        player = await store.find_player(community_id, viewer)
        found = await store.standing(community_id, key, player.id) if player else None
        if found is not None:
            rank, row = found
            me = Standing(rank, *row)
    return LeaderboardView(title, tuple(board), me)


async def team_board(
    store: Store, community_id: int, key: str, title: str, comp: CompetitionRecord | None, limit: int
) -> LeaderboardView:
    """Teams ranked under the competition's rule (sum on other boards), each with its members and the members
    active in the period; a finished team competition also names the winning team's best contributors."""
    rule = competition_rule(comp) if comp is not None else TeamRule()
    rows = team_standings(await store.team_board(community_id, key, rule.n, rule.name, limit), rule, limit)
    note = f"Rule: {rule.describe()}."
    if (
        comp is not None
        and comp.finished_at is not None
        and comp.kind == "teams"
        and rows
        and rows[0].answered
    ):
        best = await store.team_contributors(int(rows[0].key), key, 3)
        if best:
            names = ", ".join(f"{name} {points}" for _, name, points in best)
            note += f" Best for {rows[0].name}: {names}."
    return LeaderboardView(title, tuple(rows), note=note)


async def player_stats(
    store: Store, bank: Bank, community_id: int, who: str, at: float, *, private: bool = True
) -> StatsView:
    """A player's points, rank, streaks and accuracy by stage and service.

    Points, rank and streaks are the channels' (private study never reaches a leaderboard); accuracy counts
    private answers (review, practice, exams) too, as the questions now are in the bank, unless `private` is
    False: what someone else sees, or a reply in a channel, holds channel answers only."""
    player = await store.find_player(community_id, who)
    if player is None:
        raise NotFoundError(f"no answers from '{who}' here yet")
    facts = await store.answer_facts(player.id)
    for qid, correct in await store.private_answers(player.id) if private else []:
        q = bank.questions.get(qid)
        if q is not None:
            facts.append(AnswerFact(q.stage, q.services, correct, q.answer_ref))
    stages, services = accuracy_by(facts, bank)
    standing = await store.standing(community_id, period_key(Period.ALL, at), player.id)
    rank, row = standing if standing else (None, (player.external_id, player.name, 0, 0, 0))
    return StatsView(
        name=player.name,
        points=row[2],
        rank=rank,
        answered=row[4],
        correct=row[3],
        streak=player.streak,
        best_streak=player.best_streak,
        by_stage=tuple(stages),
        by_service=tuple(services),
        weakest_stage=weakest(stages),
    )
