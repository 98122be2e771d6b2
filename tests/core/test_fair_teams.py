"""Team boards equal what the answers and the membership history say, under every rule.

Players found, join, leave and switch teams at random moments (often while questions are open), across two
overlapping team competitions and several weeks and a month end; rounds close in their own time. Afterwards
every team board (sum, correct, answered, active members, and the top N members' points of a competition)
must equal a reference computed from the stored answers and the history this test kept itself.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from bot.core.admin import Admin
from bot.core.periods import period_keys
from bot.core.records import CompetitionRecord
from bot.core.rounds import Round
from bot.core.service import QuizService
from bot.core.teams import TeamRule, team_standings
from tests.conftest import Clock
from tests.pg_server import fetch_rows

DAY = 86_400.0
TEAMS = ["Red", "Blue", "Green"]
Spans = dict[str, list[list[object]]]  # player -> [[team, joined_at, left_at or None], ...]


def _team_at(spans: Spans, player: str, at: float) -> str | None:
    for team, joined, left in spans[player]:
        assert isinstance(joined, float)
        if joined <= at and (left is None or at < left):  # type: ignore[operator]
            return str(team)
    return None


def _current(spans: Spans, player: str) -> str | None:
    last = spans[player][-1] if spans[player] else None
    return str(last[0]) if last and last[2] is None else None


async def _reference(
    service: QuizService, spans: Spans, comps: list[CompetitionRecord]
) -> dict[tuple[str, str], dict[str, list[int]]]:
    """(period, team) -> player -> [points, correct, answered], from the stored answers of closed rounds."""
    rows = await fetch_rows(
        service.store,
        "SELECT r.posted_at, p.external_id, a.points, a.correct FROM answers a JOIN rounds r ON r.id = a.round_id "
        "JOIN players p ON p.id = a.player_id WHERE r.state IN ('closed', 'revealed')",
    )
    out: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for posted, player, points, correct in rows:
        team = _team_at(spans, player, posted)
        if team is None:
            continue
        running = [f"competition:{c.id}" for c in comps if c.starts_at <= posted < c.ends_at]
        for period in period_keys(posted) + running:
            total = out[(period, team)][player]
            total[0] += points
            total[1] += correct
            total[2] += 1
    return out


async def _play(
    service: QuizService, clock: Clock, rng: random.Random
) -> tuple[Spans, list[CompetitionRecord]]:
    admin = Admin(service)
    channel = await service.channel("g1", "quiz")
    players = [f"u{i}" for i in range(10)]
    spans: Spans = defaultdict(list)
    for i, team in enumerate(TEAMS):
        await admin.create_team(channel, team, players[i], players[i].upper())
        spans[players[i]].append([team, clock.now, None])
    comps: list[CompetitionRecord] = []
    opened: list[Round] = []
    for step in range(70):
        clock.now += rng.uniform(60, 0.4 * DAY)  # about two weeks, across a week and a month end
        if step in (4, 30):
            comps.append(
                await admin.start_competition(
                    channel, f"Cup {step}", "6d", admin=True, kind="teams", rule="top 2"
                )
            )
        roll = rng.random()
        if roll < 0.35:
            rnd = await service.ask(channel, window=int(DAY))
            assert rnd.message_ref is not None
            for player in rng.sample(players, rng.randint(1, len(players))):
                option = rng.randrange(len(rnd.question.options))
                service.answer(
                    rnd.message_ref, player, player.upper(), option, clock.now + rng.uniform(0, 30)
                )
            opened.append(rnd)
        elif roll < 0.55 and opened:
            await service.close_round(opened.pop(rng.randrange(len(opened))).id)
        else:  # a membership change, often while questions are open
            player, target = rng.choice(players), rng.choice([None, *TEAMS])
            now = _current(spans, player)
            if target == now:
                continue
            if now is not None:
                spans[player][-1][2] = clock.now
            if target is None:
                if now is not None:
                    await admin.leave_team(channel, player)
                continue
            await admin.join_team(channel, target, player, player.upper())
            spans[player].append([target, clock.now, None])
    for rnd in opened:
        await service.close_round(rnd.id)
    return spans, comps


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
async def test_every_team_board_equals_the_answers_and_the_history(
    service: QuizService, clock: Clock, seed: int
) -> None:
    rng = random.Random(seed)
    spans, comps = await _play(service, clock, rng)
    community = (await service.channel("g1", "quiz")).community_id
    expected = await _reference(service, spans, comps)
    stored_spans = await service.store.member_spans(community)
    kept = sorted((s.player, s.team, s.joined_at, s.left_at) for s in stored_spans)
    assert kept == sorted((p, str(t), j, lft) for p, rows in spans.items() for t, j, lft in rows)  # type: ignore[misc]
    assert len(stored_spans) > len(TEAMS) + 3, "the players hardly moved"
    periods = {period for period, _ in expected} | {f"competition:{c.id}" for c in comps}
    assert (
        sum(p.startswith("week:") for p in periods) >= 2 and sum(p.startswith("month:") for p in periods) >= 2
    )
    for period in sorted(periods):
        for n in (0, 1, 2, 3) if period.startswith("competition:") else (0,):
            board = {row.name: row for row in await service.store.team_board(community, period, n)}
            assert set(board) == set(TEAMS)
            for team in TEAMS:
                members = expected.get((period, team), {})
                want = (
                    sum(v[0] for v in members.values()),
                    sum(v[1] for v in members.values()),
                    sum(v[2] for v in members.values()),
                    len(members),
                    sum(sorted((v[0] for v in members.values()), reverse=True)[:n]) if n else 0,
                )
                row = board[team]
                assert (row.points, row.correct, row.answered, row.active, row.top) == want, (period, team, n)
            for rule in (
                (TeamRule("sum"), TeamRule("average"), TeamRule("top", n)) if n else (TeamRule("sum"),)
            ):
                ranked = team_standings(board.values(), rule)
                scores = [s.points for s in ranked]
                assert scores == sorted(scores, reverse=True)


async def test_a_switch_keeps_the_old_teams_points_and_starts_the_new_one_from_zero(
    service: QuizService, clock: Clock
) -> None:
    admin = Admin(service)
    channel = await service.channel("g1", "quiz")
    await admin.create_team(channel, "Red", "star", "Star")
    await admin.create_team(channel, "Blue", "bee", "Bee")
    comp = await admin.start_competition(channel, "Cup", "7d", admin=True, kind="teams", rule="average")

    async def round_won_by(*players: str, switch: tuple[str, str] | None = None) -> None:
        rnd = await service.ask(channel, window=600)
        assert rnd.message_ref is not None
        for p in players:
            service.answer(rnd.message_ref, p, p.title(), rnd.question.answer_index, clock.now + 1)
        clock.now += 60
        if switch is not None:  # after the post, before the close: the round still counts for the old team
            await admin.join_team(channel, switch[1], switch[0], switch[0].title())
        await service.close_round(rnd.id)
        clock.now += 600

    await round_won_by("star", "bee")
    await round_won_by("star", switch=("star", "Blue"))
    red_before = {r.name: r for r in await service.store.team_board(channel.community_id, "all")}["Red"]
    await round_won_by("star")  # now for Blue
    board = {
        r.name: r for r in await service.store.team_board(channel.community_id, f"competition:{comp.id}")
    }
    assert board["Red"].points == red_before.points > 0 and board["Red"].answered == 2
    assert board["Red"].members == 0 and board["Red"].active == 1  # gone, and its points stay
    assert board["Blue"].members == 2 and board["Blue"].active == 2 and board["Blue"].answered == 2
    ranked = team_standings(board.values(), TeamRule("average"))
    assert {s.name: s.points for s in ranked} == {
        "Red": round(board["Red"].points / 1, 1),
        "Blue": round(board["Blue"].points / 2, 1),
    }
    assert all(s.detail.endswith("active") for s in ranked)
