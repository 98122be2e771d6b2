"""The store, on SQLite and on PostgreSQL: answers in batches, a once-only close, boards, schedules, teams."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.errors import ConflictError
from bot.core.records import AnswerWrite
from bot.core.results import score_round
from bot.core.rounds import RoundState
from bot.storage import SqliteStore
from tests.pg_server import execute, fetch_rows, is_postgres


async def _open_round(store: SqliteStore, bank: Bank) -> tuple[int, int, int]:
    community = await store.community("test", "g1", "Guild")
    channel = await store.channel(community, "c1", "quiz")
    rid = await store.create_round(channel.id, bank.questions["t-eda-1"], 60, False, None, 1000.0)
    await store.mark_posted(rid, "m1", 1000.0)
    return community, channel.id, rid


async def test_writer_commits_in_batches_and_keeps_arrival_order(store: SqliteStore, mini_bank: Bank) -> None:
    community, _, rid = await _open_round(store, mini_bank)
    writer = store.answer_writer(max_delay=10)  # only flush() writes here
    commits = 0
    original = store.db.transaction

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1
        return original(**kwargs)

    store.db.transaction = counting  # type: ignore[method-assign]
    for i in range(500):
        writer.submit(AnswerWrite(rid, community, f"u{i}", f"User {i}", i % 3, 1000.0 + i / 100))
    writer.submit(AnswerWrite(rid, community, "u7", "User 7", None, 1010.0))  # withdrawn after answering
    writer.submit(AnswerWrite(rid, community, "u8", "User 8", 2, 1011.0))  # changed
    await writer.flush()
    assert commits == 1
    rows = await store.round_answers(rid)
    assert len(rows) == 499
    assert {r.player: r.option for r in rows}["u8"] == 2
    if not is_postgres(store):  # PostgreSQL checks every foreign key; the SQLite writer skips the checks
        # (it refers only to rows that exist): nothing it wrote is an orphan.
        assert list(await store.db.conn.execute_fetchall("PRAGMA foreign_key_check")) == []
    await writer.close()


async def test_writer_flushes_by_itself_soon(store: SqliteStore, mini_bank: Bank) -> None:
    community, _, rid = await _open_round(store, mini_bank)
    writer = store.answer_writer(max_delay=0.01)
    writer.submit(AnswerWrite(rid, community, "u1", "Ann", 1, 1001.0))
    for _ in range(100):
        await asyncio.sleep(0.01)
        if await store.round_answers(rid):
            break
    assert [a.player for a in await store.round_answers(rid)] == ["u1"]
    await writer.close()


async def test_finish_round_scores_once_and_feeds_boards(store: SqliteStore, mini_bank: Bank) -> None:
    community, _, rid = await _open_round(store, mini_bank)
    writer = store.answer_writer()
    for player, option, at in [("u1", 1, 1001.0), ("u2", 1, 1030.0), ("u3", 0, 1002.0)]:
        writer.submit(AnswerWrite(rid, community, player, player.upper(), option, at))
    await writer.close()
    result = score_round(
        mini_bank.questions["t-eda-1"], await store.round_answers(rid), 1000.0, 60, ScoringRules()
    )
    periods = ["all", "week:2026-W01"]
    assert await store.finish_round(rid, community, 1061.0, result, periods) is True
    assert await store.finish_round(rid, community, 1062.0, result, periods) is False  # never twice
    board = await store.leaderboard(community, "all", 10)
    assert [(r[1], r[2], r[3], r[4]) for r in board] == [("U1", 20, 1, 1), ("U2", 15, 1, 1), ("U3", 0, 0, 1)]
    assert await store.leaderboard(community, "week:2026-W01", 10) == board
    u2 = await store.find_player(community, "u2")
    assert u2 is not None and (u2.streak, u2.best_streak) == (1, 1)
    rank, row = await store.standing(community, "all", u2.id) or (0, ())
    assert (rank, row[2]) == (2, 15)
    results = await store.round_results(rid)
    assert [(r.player, r.correct, r.points) for r in results] == [
        ("u1", True, 20),
        ("u3", False, 0),
        ("u2", True, 15),
    ]
    assert [r.state for r in await store.rounds_in([RoundState.CLOSED])] == [RoundState.CLOSED]


async def test_standing_ties_share_rank(store: SqliteStore, mini_bank: Bank) -> None:
    community = await store.community("test", "g1")
    for i, pts in enumerate([50, 70, 50, 10]):
        await execute(  # all-time totals live on the player's row
            store,
            "INSERT INTO players (community_id, external_id, name, points, answered) VALUES (?, ?, ?, ?, 1)",
            community,
            f"p{i}",
            f"P{i}",
            pts,
        )
    ranks = {}
    for i in range(4):
        player = await store.find_player(community, f"p{i}")
        assert player is not None
        ranks[i] = (await store.standing(community, "all", player.id) or (0,))[0]
    assert ranks == {0: 2, 1: 1, 2: 2, 3: 4}


async def test_schedules_claim_each_firing_once(store: SqliteStore) -> None:
    community = await store.community("test", "g1")
    channel = await store.channel(community, "c1")
    sid = await store.add_schedule(channel.id, "0 9 * * *", "Europe/Berlin", 120, at=100.0)
    assert await store.claim_fire(sid, 90.0) is False  # due before it existed
    assert await store.claim_fire(sid, 200.0) is True
    assert await store.claim_fire(sid, 200.0) is False
    assert await store.set_schedule_paused(community, sid, True) is True
    assert await store.claim_fire(sid, 300.0) is False  # paused
    other = await store.community("test", "g2")
    assert await store.remove_schedule(other, sid) is False  # not another community's to remove
    assert await store.remove_schedule(community, sid) is True
    assert await store.schedules() == []


async def test_teams_are_unique_per_community_and_one_per_player(store: SqliteStore) -> None:
    community = await store.community("test", "g1")
    red = await store.create_team(community, "Red")
    blue = await store.create_team(community, "Blue")
    with pytest.raises(ConflictError):
        await store.create_team(community, "red")
    ann = await store.player(community, "u1", "Ann")
    await store.join_team(ann.id, red)
    await store.join_team(ann.id, blue)
    teams = {t.name: t.members for t in await store.teams(community)}
    assert teams == {"Blue": 1, "Red": 0}
    assert await store.leave_team(ann.id) == "Blue"
    assert await store.leave_team(ann.id) is None


async def test_writer_keeps_the_latest_name_of_a_known_player(store: SqliteStore, mini_bank: Bank) -> None:
    community, _, rid = await _open_round(store, mini_bank)
    writer = store.answer_writer(max_delay=10)
    writer.submit(AnswerWrite(rid, community, "u1", "Ann", 0, 1001.0))
    await writer.flush()  # u1 is now known as Ann
    for name in ("Annie", "Ann", "Anna", "Ann"):  # renamed and back, within one batch: the last name wins
        writer.submit(AnswerWrite(rid, community, "u1", name, 1, 1002.0))
    writer.submit(AnswerWrite(rid, community, "u2", "Bo", 1, 1003.0))
    writer.submit(AnswerWrite(rid, community, "u2", "Bob", 2, 1004.0))  # new, renamed before its first write
    await writer.flush()
    names = dict(await fetch_rows(store, "SELECT external_id, name FROM players"))
    assert names == {"u1": "Ann", "u2": "Bob"}
    assert {a.player: a.option for a in await store.round_answers(rid)} == {"u1": 1, "u2": 2}
    await writer.close()


async def test_a_round_counts_for_the_competitions_running_when_it_was_posted(store: SqliteStore) -> None:
    """Started at or before the post, ending after it, not finished early, of the same community."""
    g1 = await store.community("test", "g1")
    g2 = await store.community("test", "g2")
    running = await store.create_competition(g1, None, "Running", 1000.0, 2000.0)
    starts_then = await store.create_competition(g1, None, "Starts then", 1500.0, 2500.0)
    ends_then = await store.create_competition(g1, None, "Ends then", 500.0, 1500.0)
    await store.create_competition(g1, None, "Later", 1600.0, 2600.0)
    stopped = await store.create_competition(g1, None, "Stopped", 1000.0, 3000.0)
    await store.create_competition(g2, None, "Elsewhere", 1000.0, 2000.0)
    assert await store.finish_competition(stopped, 1400.0)
    assert await store.competitions_running(g1, 1500.0) == [running, starts_then]
    assert await store.competitions_running(g1, 999.0) == [ends_then]
    assert await store.competitions_running(g1, 499.0) == []
