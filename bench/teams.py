"""Team boards at scale: 100k players in 1k teams of one community, 1M answers, read through the bot's own store
under each rule (sum, average per active member, top N), as the bot keeps the totals when rounds close."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from bot.core.boards import leaderboard
from bot.core.periods import Period, period_keys

from .common import Compared, Figure, Note, amedian_ms, below
from .stores import Where, built, run_on

RULES = (("sum", 0), ("average", 0), ("top", 5))


def _build(path: Path, players: int, teams: int, answers: int) -> None:
    """Answers, and the team totals kept from them: live member rows, per-member competition rows, team rows
    (with a 'top N' competition's kept top points)."""
    conn = sqlite3.connect(path, isolation_level=None)
    rng = random.Random(5)
    now = time.time()
    all_, week, month = period_keys(now)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO communities (id, platform, external_id) VALUES (1, 'slack', 'T1')")
    conn.execute("INSERT INTO channels (id, community_id, external_id) VALUES (1, 1, 'C1')")
    conn.executemany(
        "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
        [(p, f"U{p}", f"player {p}") for p in range(1, players + 1)],
    )
    conn.executemany(
        "INSERT INTO teams (id, community_id, name) VALUES (?, 1, ?)",
        [(t, f"team {t}") for t in range(1, teams + 1)],
    )
    for i, (rule, n) in enumerate(RULES, start=1):
        conn.execute(
            "INSERT INTO competitions (id, community_id, channel_id, name, starts_at, ends_at, kind, rule, top_n) "
            "VALUES (?, 1, 1, ?, ?, ?, 'teams', ?, ?)",
            (i, f"cup {rule}", now - 3600, now + 86_400, rule, n),
        )
    rounds = max(1, answers // players * 4)
    conn.executemany(
        "INSERT INTO rounds (id, channel_id, question_id, question, stage, services, difficulty, window, state, "
        "created_at, posted_at) VALUES (?, 1, ?, '{}', 'training', '[]', 'easy', 60, 'revealed', ?, ?)",
        [(r, f"q{r}", now, now) for r in range(1, rounds + 1)],
    )
    per_player = answers // players

    def answer_rows():  # type: ignore[no-untyped-def]
        for p in range(1, players + 1):
            for r in rng.sample(range(1, rounds + 1), per_player):
                correct = rng.random() < 0.6
                yield (r, p, 0, now, int(correct), rng.randrange(10, 30) if correct else 0)

    conn.executemany(
        "INSERT INTO answers (round_id, player_id, option, answered_at, correct, points) VALUES (?, ?, ?, ?, ?, ?)",
        answer_rows(),
    )
    conn.executemany(  # half the players answered: the rest are members who never played
        "INSERT INTO team_members (player_id, team_id) VALUES (?, ?)",
        [(p, 1 + p % teams) for p in range(1, players + 1)],
    )
    conn.execute(
        "INSERT INTO team_spans (team_id, player_id, joined_at) SELECT team_id, player_id, 0 FROM team_members"
    )
    conn.execute(
        "UPDATE team_members SET points = t.points, correct = t.correct, answered = t.answered, week = ?1, "
        "week_points = t.points, week_correct = t.correct, week_answered = t.answered, month = ?2, "
        "month_points = t.points, month_correct = t.correct, month_answered = t.answered "
        "FROM (SELECT player_id, sum(points) AS points, sum(correct) AS correct, count(*) AS answered "
        "FROM answers GROUP BY player_id) t WHERE team_members.player_id = t.player_id",
        (week, month),
    )
    for i in range(1, len(RULES) + 1):
        conn.execute(
            "INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered) "
            "SELECT team_id, ?, player_id, points, correct, answered FROM team_members WHERE answered > 0",
            (f"competition:{i}",),
        )
    for period in [all_, week, month, *(f"competition:{i}" for i in range(1, len(RULES) + 1))]:
        conn.execute(
            "INSERT INTO team_scores (team_id, period, points, correct, answered, active) "
            "SELECT team_id, ?, sum(points), sum(correct), sum(answered), sum(answered > 0) FROM team_members "
            "GROUP BY team_id",
            (period,),
        )
    conn.execute(  # a 'top N' competition's teams keep the sum of their N best members' points (migration 0009)
        "UPDATE team_scores SET top_n = c.top_n, top_points = (SELECT coalesce(sum(points), 0) FROM ("
        "SELECT points, row_number() OVER (ORDER BY points DESC) AS place FROM team_member_points m "
        "WHERE m.team_id = team_scores.team_id AND m.period = team_scores.period) WHERE place <= c.top_n) "
        "FROM competitions c WHERE team_scores.period = 'competition:' || c.id AND c.top_n > 0"
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


async def _teams(small: bool, where: Where) -> list[Figure]:
    players, teams, answers = (2_000, 20, 20_000) if small else (100_000, 1_000, 1_000_000)
    store, took = await built(where, "teams", lambda path: _build(path, players, teams, answers))
    repeat = 20 if small else 100
    limit = 2 if where.postgres else 5  # the "boards stay under 2 ms" on PostgreSQL; 5 ms on SQLite
    now = time.time()
    figures = [Figure(f"build: {answers:,} answers, {players:,} players in {teams:,} teams", took, "s")]
    try:
        view = await leaderboard(store, 1, period=Period.WEEK, at=now, teams=True)
        assert len(view.rows) == 10 and view.rows[0].points >= view.rows[-1].points
        week = await amedian_ms(lambda: leaderboard(store, 1, period=Period.WEEK, at=now, teams=True), repeat)
        figures.append(below(f"team board this week, {teams:,} teams, sum (median)", week, "ms", limit))
        for rule, n in RULES:
            name = f"cup {rule}"
            view = await leaderboard(
                store, 1, period=Period.COMPETITION, at=now, competition=name, teams=True
            )
            assert view.rows and "Rule:" in view.note
            took = await amedian_ms(
                lambda name=name: leaderboard(  # type: ignore[misc]
                    store, 1, period=Period.COMPETITION, at=now, competition=name, teams=True
                ),
                repeat,
            )
            label = f"top {n}" if n else rule
            figures.append(
                below(f"team board of a competition, {teams:,} teams, {label} (median)", took, "ms", limit)
            )
    finally:
        await store.close()
    return figures


def run(small: bool, stores: tuple[str, ...] = ("sqlite",)) -> list[Figure | Compared | Note]:
    return run_on(stores, lambda where: _teams(small, where))
