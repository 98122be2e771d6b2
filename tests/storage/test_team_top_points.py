"""A 'top N' competition's team board reads each team's kept sum of its N best members' points (team_scores
top_n and top_points, summed again for the teams a round credits as it closes): it must always be what the
members' points say, through members overtaking each other, ties, a member who leaves and comes back, a
competition whose N changes, and the migration that fills it for existing competitions.

Rounds are closed with points chosen here (no scoring), so each expected sum is plain arithmetic; a point counts
for the team its player was in when the round was posted."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from bot.core.bank import Bank
from bot.core.periods import period_keys
from bot.core.records import CompetitionRecord
from bot.core.results import RoundResult, ScoredAnswer
from bot.storage.db import LATEST
from bot.storage.opening import open_store
from bot.storage.postgres.db import LATEST as PG_LATEST
from tests.pg_server import execute, execute_at, fetch_rows, is_postgres

START = 1_790_000_000.0  # 2026-09-21, a Monday


class Rig:
    """One community with teams, players and competitions, and what each team's members won in each one."""

    def __init__(self, store: Any, bank: Bank) -> None:
        self.store = store
        self.question = bank.questions["t-eda-1"]
        self.now = START
        self.teams: dict[str, int] = {}
        self.players: dict[str, int] = {}
        self.member: dict[str, str] = {}  # player -> current team
        self.cups: list[str] = []  # competition periods every round counts for
        self.won: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    async def open(self, teams: dict[str, list[str]], cups: list[tuple[str, int]]) -> Rig:
        self.community = await self.store.community("test", "g1")
        self.channel = await self.store.channel(self.community, "quiz")
        for name, rule_n in cups:
            how = CompetitionRecord(0, 0, None, "", 0.0, 0.0, None, "teams", *rule_n_of(rule_n))
            cid = await self.store.create_competition(
                self.community, self.channel.id, name, START - 60, START + 86_400, how
            )
            self.cups.append(f"competition:{cid}")
        for team, members in teams.items():
            self.teams[team] = await self.store.create_team(self.community, team)
            for player in members:
                await self.join(player, team)
        return self

    def tick(self) -> float:
        self.now += 60
        return self.now

    async def join(self, player: str, team: str) -> None:
        if player not in self.players:
            self.players[player] = (await self.store.player(self.community, player, player.upper())).id
        assert await self.store.join_team(self.players[player], self.teams[team], self.tick())
        self.member[player] = team

    async def leave(self, player: str) -> None:
        assert await self.store.leave_team(self.players[player], self.tick()) == self.member.pop(player)

    async def post(self) -> tuple[int, float, dict[str, str]]:
        """A round posted now, with who was in which team then."""
        posted = self.tick()
        rid = await self.store.create_round(self.channel.id, self.question, 60, False, None, posted)
        await self.store.mark_posted(rid, f"m{rid}", posted)
        return rid, posted, dict(self.member)

    async def close(self, posted_round: tuple[int, float, dict[str, str]], points: dict[str, int]) -> None:
        rid, posted, teams_then = posted_round
        scored = sorted(
            (
                ScoredAnswer(p, p.upper(), 0, posted + 1, pts > 0, pts, self.players[p], 0)
                for p, pts in points.items()
            ),
            key=lambda s: s.player_id,
        )
        result = RoundResult(0, (len(scored),), tuple(scored))
        periods = period_keys(posted) + self.cups
        assert await self.store.finish_round(rid, self.community, self.tick(), result, periods)
        for p, pts in points.items():
            if p in teams_then:
                for cup in self.cups:
                    self.won[(cup, teams_then[p])][p] += pts

    async def play(self, points: dict[str, int]) -> None:
        await self.close(await self.post(), points)

    def top(self, cup: str, team: str, n: int) -> int:
        return sum(sorted(self.won[(cup, team)].values(), reverse=True)[:n])

    async def check(self, cup: str, n: int, kept_n: int | None = None) -> None:
        """The board under 'top n' is the members' points (teams with equal points by name); every kept sum
        for n is right, and with kept_n, every team that has a row keeps its sum for that N."""
        want = sorted(((t, self.top(cup, t, n)) for t in self.teams), key=lambda x: (-x[1], x[0].lower()))
        board = await self.store.team_board(self.community, cup, n, "top")
        assert [(r.name, r.top) for r in board] == want, (cup, n)
        assert [
            (r.name, r.top) for r in await self.store.team_board(self.community, cup, n, "top", 2)
        ] == want[:2]
        kept = await fetch_rows(
            self.store,
            "SELECT t.name, s.top_n, s.top_points FROM team_scores s JOIN teams t ON t.id = s.team_id "
            "WHERE s.period = ?",
            cup,
        )
        assert all(points == self.top(cup, team, n) for team, top_n, points in kept if top_n == n), kept
        if kept_n is not None:
            assert kept and {top_n for _, top_n, _ in kept} == {kept_n}, kept


def rule_n_of(n: int) -> tuple[str, int]:
    """A competition's rule and N: 'top N', or the sum for 0."""
    return ("top", n) if n else ("sum", 0)


async def test_the_kept_top_n_follows_members_overtaking_each_other_and_ties(
    store: Any, mini_bank: Bank
) -> None:
    rig = await Rig(store, mini_bank).open(
        {"Red": ["a", "b", "c"], "Blue": ["d", "e"], "green": ["f"]}, [("Cup", 2)]
    )
    cup = rig.cups[0]
    await rig.check(cup, 2)  # no row yet: every team 0, by name
    await rig.play({"a": 30, "b": 20, "c": 10, "d": 25, "e": 25})
    await rig.check(cup, 2, kept_n=2)  # Blue and Red tie at 50
    await rig.play({"c": 25, "d": 0})  # c overtakes b, then a: Red 35 + 30
    await rig.check(cup, 2, kept_n=2)
    assert rig.top(cup, "Red", 2) == 65
    await rig.play({"b": 15, "e": 10, "f": 65})  # b ties c at 35 (Red 70), e 35 (Blue 60), green 65
    await rig.check(cup, 2, kept_n=2)
    await rig.play({"a": 0, "b": 0, "c": 0, "d": 5})  # Red's answers worth nothing; Blue 35 + 30 ties green
    await rig.check(cup, 2, kept_n=2)
    assert [r.name for r in await store.team_board(rig.community, cup, 2, "top")] == ["Red", "Blue", "green"]
    await rig.play({"f": 5})  # green 70 ties Red: by name, whatever the case
    await rig.check(cup, 2, kept_n=2)
    assert [r.name for r in await store.team_board(rig.community, cup, 2, "top")] == ["green", "Red", "Blue"]


async def test_a_member_who_leaves_and_comes_back_counts_where_each_round_was_posted(
    store: Any, mini_bank: Bank
) -> None:
    rig = await Rig(store, mini_bank).open({"Red": ["a", "b", "c"], "Blue": ["d"]}, [("Cup", 2)])
    cup = rig.cups[0]
    await rig.play({"a": 40, "b": 10, "c": 5, "d": 30})
    await rig.check(cup, 2, kept_n=2)  # Red 50
    before_leaving = await rig.post()
    await rig.leave("a")
    await rig.close(before_leaving, {"a": 20})  # posted while a was in Red: Red alone, a 60
    await rig.check(cup, 2, kept_n=2)
    assert rig.top(cup, "Red", 2) == 70
    await rig.play({"a": 30, "b": 10, "c": 30, "d": 5})  # a in no team: Red's best are a's 60 and c's 35
    await rig.check(cup, 2, kept_n=2)
    await rig.join("a", "Blue")
    await rig.play({"a": 50})  # for Blue now: 50 + 35
    await rig.check(cup, 2, kept_n=2)
    on_blue = await rig.post()
    await rig.join("a", "Red")  # back: its Red points were never moved
    await rig.close(on_blue, {"a": 15, "b": 45})  # a's for Blue (65 + 35), b's for Red (65 + 60)
    await rig.check(cup, 2, kept_n=2)
    await rig.play({"a": 10})  # a 70 in Red: 70 + 65
    await rig.check(cup, 2, kept_n=2)
    assert (rig.top(cup, "Red", 2), rig.top(cup, "Blue", 2)) == (135, 100)


async def test_a_board_asks_for_another_n_than_the_kept_one(store: Any, mini_bank: Bank) -> None:
    rig = await Rig(store, mini_bank).open(
        {"Red": ["a", "b", "c"], "Blue": ["d", "e", "f"]}, [("Top two", 2), ("Sum", 0)]
    )
    top2, summed = rig.cups
    await rig.play({"a": 30, "b": 20, "c": 20, "d": 40, "e": 5, "f": 5})
    await rig.check(top2, 2, kept_n=2)
    await rig.check(summed, 2, kept_n=0)  # a summed competition keeps none: its members are read
    for n in (1, 3, 50):
        await rig.check(top2, n)
    competition = int(top2.split(":")[1])
    await execute(store, "UPDATE competitions SET top_n = ? WHERE id = ?", 3, competition)
    await rig.play({"a": 5, "c": 1})  # Red's kept sum is now for 3 (76), Blue's still for 2 (45)
    await rig.check(top2, 3)
    await rig.check(top2, 2)
    kept = await fetch_rows(
        store, "SELECT team_id, top_n, top_points FROM team_scores WHERE period = ? ORDER BY team_id", top2
    )
    assert [tuple(r) for r in kept] == [(rig.teams["Red"], 3, 76), (rig.teams["Blue"], 2, 45)]
    await rig.play({"e": 50})  # Blue summed again for 3: 55 + 40 + 5 (55 + 40 for 2)
    await rig.check(top2, 3, kept_n=3)
    await rig.check(top2, 2)


async def test_the_migration_keeps_the_top_points_of_the_competitions_before_it(
    db_target: str | Path, mini_bank: Bank
) -> None:
    store = await open_store(db_target)
    try:
        rig = await Rig(store, mini_bank).open(
            {"Red": ["a", "b", "c"], "Blue": ["d", "e"]}, [("Top two", 2), ("Sum", 0), ("Top one", 1)]
        )
        await rig.play({"a": 30, "b": 20, "c": 25, "d": 5})
        await rig.play({"b": 40, "e": 5})
        query = "SELECT team_id, period, top_n, top_points FROM team_scores ORDER BY team_id, period"
        kept = await fetch_rows(store, query)
        assert {r[1:3] for r in kept if r[2]} == {(rig.cups[0], 2), (rig.cups[2], 1)}
    finally:
        await store.close()
    if is_postgres(store):  # as it was before migration 0004
        await execute_at(db_target, "ALTER TABLE team_scores DROP COLUMN top_n, DROP COLUMN top_points")
        await execute_at(db_target, "DELETE FROM quizbot_schema WHERE version = ?", PG_LATEST)
    else:  # before migration 0009
        await execute_at(db_target, "ALTER TABLE team_scores DROP COLUMN top_n")
        await execute_at(db_target, "ALTER TABLE team_scores DROP COLUMN top_points")
        await execute_at(db_target, f"PRAGMA user_version = {LATEST - 1}")
    store = await open_store(db_target)
    try:
        assert await fetch_rows(store, query) == kept
        rig.store = store
        for cup, n in zip(rig.cups, (2, 0, 1), strict=True):
            await rig.check(cup, n or 2, kept_n=n)
    finally:
        await store.close()
