"""Totals kept on the player's row (all-time, live week and month) plus archived rows: always what the answers say.

Rounds over several weeks and months close in shuffled order (so a round of a week a player has already left
closes late), some during a competition; afterwards every total, board and rank must equal a reference computed
from the stored answers alone. A schema-2 file's scores must come through migration 0003 unchanged.
"""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.periods import period_keys
from bot.core.records import AnswerWrite
from bot.core.results import score_round
from bot.storage import Database, SqliteStore
from tests.pg_server import fetch_rows

DAY = 86_400.0
START = 1_790_000_000.0  # 2026-09-21, a Monday: the rounds below cross weeks and month ends
Totals = dict[tuple[int, str, int], tuple[int, int, int]]


async def _reference(store: SqliteStore, competitions: dict[int, list[str]]) -> Totals:
    """(community, period, player) -> (points, correct, answered), from answers of closed rounds alone."""
    out: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = await fetch_rows(
        store,
        "SELECT ch.community_id, r.id, r.posted_at, a.player_id, a.points, a.correct FROM answers a "
        "JOIN rounds r ON r.id = a.round_id JOIN channels ch ON ch.id = r.channel_id "
        "WHERE r.state != 'open'",
    )
    for community, rid, posted, player, points, correct in rows:
        for period in period_keys(posted) + competitions.get(rid, []):
            total = out[(community, period, player)]
            total[0] += points
            total[1] += correct
            total[2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


async def _stored(store: SqliteStore) -> Totals:
    rows = await fetch_rows(
        store, "SELECT community_id, period, player_id, points, correct, answered FROM score_rows"
    )
    found: Totals = {}
    for c, period, p, points, correct, answered in rows:
        assert (c, period, p) not in found, f"two rows for {(c, period, p)}"
        found[(c, period, p)] = (points, correct, answered)
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_totals_boards_and_ranks_equal_the_answers(
    store: SqliteStore, mini_bank: Bank, seed: int
) -> None:
    rng = random.Random(seed)
    questions = list(mini_bank.questions.values())
    communities = [await store.community("test", f"g{i}") for i in range(2)]
    channels = {c: await store.channel(c, "quiz") for c in communities}
    writer = store.answer_writer()
    opened: list[tuple[int, int, float, list[str]]] = []
    competitions: dict[int, list[str]] = {}
    for n in range(40):  # about every 1.5 days over two months
        community = rng.choice(communities)
        posted = START + n * 1.5 * DAY + rng.uniform(0, DAY)
        question = rng.choice(questions)
        rid = await store.create_round(channels[community].id, question, 60, False, None, posted)
        await store.mark_posted(rid, f"m{rid}", posted)
        for p in rng.sample(range(12), rng.randint(1, 12)):
            option = rng.randrange(len(question.options))
            writer.submit(
                AnswerWrite(rid, community, f"u{p}", f"User {p}", option, posted + rng.uniform(0, 60))
            )
        extra = ["competition:7"] if 10 <= n < 20 else []
        competitions[rid] = extra
        opened.append((rid, community, posted, extra))
    await writer.close()
    rng.shuffle(opened)  # closing order is not posting order: late closes of weeks already left
    for rid, community, posted, extra in opened:
        rec = (await fetch_rows(store, "SELECT question_id FROM rounds WHERE id = ?", rid))[0]
        question = mini_bank.questions[rec[0]]
        result = score_round(question, await store.round_answers(rid), posted, 60, ScoringRules())
        assert await store.finish_round(rid, community, posted + 60, result, period_keys(posted) + extra)

    expected = await _reference(store, competitions)
    assert await _stored(store) == expected
    assert len({k[1] for k in expected if k[1].startswith("week:")}) >= 8  # the test did cross weeks
    by_board: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for (c, period, p), (points, _, _) in expected.items():
        by_board[(c, period)].append((points, p))
    names = {pid: ext for pid, ext in await fetch_rows(store, "SELECT id, external_id FROM players")}
    for (c, period), entries in by_board.items():
        ordered = sorted(entries, key=lambda e: (-e[0], e[1]))
        board = await store.leaderboard(c, period, 5)
        assert [(names[p], points) for points, p in ordered[:5]] == [(r[0], r[2]) for r in board], period
        for points, p in entries:
            rank, row = await store.standing(c, period, p) or (0, ())
            assert rank == 1 + sum(1 for other, _ in entries if other > points)
            assert row[2] == points


async def test_a_player_moving_to_a_new_week_keeps_the_old_one(store: SqliteStore, mini_bank: Bank) -> None:
    community = await store.community("test", "g1")
    channel = await store.channel(community, "quiz")
    question = mini_bank.questions["t-eda-1"]
    writer = store.answer_writer()
    weeks = []
    for i, posted in enumerate([START, START + 7 * DAY]):
        rid = await store.create_round(channel.id, question, 60, False, None, posted)
        await store.mark_posted(rid, f"m{i}", posted)
        writer.submit(AnswerWrite(rid, community, "u1", "Ann", question.answer_index, posted + 1))
        await writer.flush()
        result = score_round(question, await store.round_answers(rid), posted, 60, ScoringRules())
        assert await store.finish_round(rid, community, posted + 60, result, period_keys(posted))
        weeks.append(period_keys(posted)[1])
    await writer.close()
    first, second = weeks
    assert first != second
    old = await store.leaderboard(community, first, 10)
    new = await store.leaderboard(community, second, 10)
    assert [r[0] for r in old] == ["u1"] and [r[0] for r in new] == ["u1"]
    assert old[0][2] > 0 and new[0][2] > old[0][2]  # the second week carries a streak bonus
    assert (await store.leaderboard(community, "all", 10))[0][2] == old[0][2] + new[0][2]
    archived = (await fetch_rows(store, "SELECT count(*) FROM scores WHERE period = ?", first))[0][0]
    assert archived == 1  # the first week moved off the player's row into scores


async def test_schema_2_scores_come_through_migration_3_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    await (await Database.open(path, target_version=2)).close()
    rows = [  # (period, player, points, correct, answered): live and past weeks and months, a competition
        ("all", 1, 90, 5, 9),
        ("all", 2, 40, 2, 3),
        ("week:2026-W46", 1, 30, 2, 3),
        ("week:2026-W47", 1, 60, 3, 6),
        ("week:2026-W47", 2, 40, 2, 3),
        ("month:2026-10", 1, 20, 1, 2),
        ("month:2026-11", 1, 70, 4, 7),
        ("month:2026-11", 2, 40, 2, 3),
        ("competition:3", 2, 25, 1, 1),
    ]
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO communities (id, platform, external_id) VALUES (1, 'test', 'g1')")
        conn.executemany(
            "INSERT INTO players (id, community_id, external_id) VALUES (?, 1, ?)", [(1, "u1"), (2, "u2")]
        )
        conn.executemany(
            "INSERT INTO scores (community_id, period, player_id, points, correct, answered) VALUES (1, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()
    store = await SqliteStore.open(path)
    try:
        after = await store.db.conn.execute_fetchall(
            "SELECT period, player_id, points, correct, answered FROM score_rows"
        )
        assert sorted(tuple(r) for r in after) == sorted(rows)
        live = await store.db.conn.execute_fetchall("SELECT week, month FROM players ORDER BY id")
        assert [tuple(r) for r in live] == [("week:2026-W47", "month:2026-11")] * 2
        assert [r[0] for r in await store.leaderboard(1, "week:2026-W46", 10)] == ["u1"]
        assert [(r[0], r[2]) for r in await store.leaderboard(1, "all", 10)] == [("u1", 90), ("u2", 40)]
    finally:
        await store.close()


@pytest.mark.sqlite_only  # reads SQLite's own query plans
async def test_board_queries_read_indexes_not_whole_tables(
    store: SqliteStore, mini_bank: Bank, db_path: Path
) -> None:
    """Every board, rank and team query, as the store runs it (values bound), planned by SQLite: no scan of a
    whole table, which at a million answers would cost seconds instead of a millisecond."""
    community = await store.community("test", "g1")
    channel = await store.channel(community, "quiz")
    question = mini_bank.questions["t-eda-1"]
    rid = await store.create_round(channel.id, question, 60, False, None, START)
    await store.mark_posted(rid, "m1", START)
    writer = store.answer_writer()
    writer.submit(AnswerWrite(rid, community, "u1", "Ann", question.answer_index, START + 1))
    await writer.close()
    result = score_round(question, await store.round_answers(rid), START, 60, ScoringRules())
    await store.finish_round(rid, community, START + 60, result, period_keys(START))
    player = await store.find_player(community, "u1")
    assert player is not None
    team = await store.db.conn.execute_insert(
        "INSERT INTO teams (community_id, name) VALUES (?, 'Red')", (community,)
    )
    assert team is not None
    await store.db.conn.commit()
    await store.join_team(player.id, team[0], START - 1)
    seen: list[str] = []
    await store.db.reader.set_trace_callback(seen.append)
    for period in [*period_keys(START), "competition:1"]:
        await store.leaderboard(community, period, 10)
        await store.standing(community, period, player.id)
        await store.team_board(community, period, 3)
        await store.team_contributors(team[0], period, 3)
    await store.db.reader.set_trace_callback(None)
    selects = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 3 * 4  # a board, a standing and a team board per period (and ranks)
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"players", "scores", "answers"} <= set(tables)
        for sql in selects:
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
            scans = [step for step in plan if step.split(" ")[:2] in (["SCAN", t] for t in tables)]
            assert scans == [], (sql, plan)
    conn.close()
