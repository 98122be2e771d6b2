"""Study storage on PostgreSQL (twin of bot/storage/study.py): memories, private sessions, reports, reminders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ...core.study.analytics import QuestionTally, tallies_from_sums
from ...core.study.memory import Memory
from ...core.study.ports import ChannelAnswer, Fold
from ..study import FOLD_BATCH, SessionRow, memory_from_row, memory_params
from .db import PgDatabase

_MEM = (
    "SELECT question_id, state, step, stability, difficulty, due, last_review, reviews, lapses FROM memories "
)
# The sums behind question analytics, as in the SQLite store (its total() is coalesce(sum(), 0) here). y is the
# person's share right on their other answers (NULL for someone whose only answer this is).
_TALLIES = """
WITH channel AS (
    SELECT a.round_id AS rid, a.option AS o, a.correct AS x,
           CASE WHEN pl.answered + pl.study_answered > 1
                THEN (pl.correct + pl.study_correct - a.correct)::float8 / (pl.answered + pl.study_answered - 1)
           END AS y
    FROM answers a JOIN players pl ON pl.id = a.player_id WHERE a.correct IS NOT NULL
),
per_round (rid, n, r, o0, o1, o2, o3, o4, n_rest, x_rest, sy, syy, sxy) AS (
    SELECT rid, count(*), sum(x),
           count(*) FILTER (WHERE o = 0), count(*) FILTER (WHERE o = 1), count(*) FILTER (WHERE o = 2),
           count(*) FILTER (WHERE o = 3), count(*) FILTER (WHERE o = 4),
           count(y), coalesce(sum(x) FILTER (WHERE y IS NOT NULL), 0)::float8, coalesce(sum(y), 0),
           coalesce(sum(y * y), 0), coalesce(sum(x * y), 0)
    FROM channel GROUP BY rid
),
private AS (
    SELECT sa.question_id AS q, sa.option AS o, sa.correct AS x,
           CASE WHEN pl.answered + pl.study_answered > 1
                THEN (pl.correct + pl.study_correct - sa.correct)::float8 / (pl.answered + pl.study_answered - 1)
           END AS y
    FROM study_answers sa JOIN study_sessions s ON s.id = sa.session_id JOIN players pl ON pl.id = s.player_id
)
SELECT r.question_id, sum(t.n), sum(t.r), sum(o0), sum(o1), sum(o2), sum(o3), sum(o4), sum(n_rest),
       coalesce(sum(x_rest), 0), coalesce(sum(sy), 0), coalesce(sum(syy), 0), coalesce(sum(sxy), 0)
FROM per_round t JOIN rounds r ON r.id = t.rid GROUP BY r.question_id
UNION ALL
SELECT q, count(*), sum(x),
       count(*) FILTER (WHERE o = 0), count(*) FILTER (WHERE o = 1), count(*) FILTER (WHERE o = 2),
       count(*) FILTER (WHERE o = 3), count(*) FILTER (WHERE o = 4),
       count(y), coalesce(sum(x) FILTER (WHERE y IS NOT NULL), 0)::float8, coalesce(sum(y), 0),
       coalesce(sum(y * y), 0), coalesce(sum(x * y), 0)
FROM private GROUP BY q
"""
_KNOWN = (
    "SELECT m.player_id, m.question_id, m.state, m.step, m.stability, m.difficulty, m.due, m.last_review, "
    "m.reviews, m.lapses FROM unnest($1::bigint[], $2::text[]) AS k (player_id, question_id) JOIN memories m "
    "ON m.player_id = k.player_id AND m.question_id = k.question_id"
)
_SESSION = "SELECT id, player_id, kind, questions, started_at, ends_at, ended_at FROM study_sessions "
_OPEN_SESSION = _SESSION + "WHERE player_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1"
_UPSERT = """
INSERT INTO memories (player_id, question_id, state, step, stability, difficulty, due, last_review, reviews, lapses)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (player_id, question_id) DO UPDATE SET state = excluded.state, step = excluded.step,
    stability = excluded.stability, difficulty = excluded.difficulty, due = excluded.due,
    last_review = excluded.last_review, reviews = excluded.reviews, lapses = excluded.lapses
"""
_REMINDERS_DUE = """
SELECT id, external_id, community, due FROM (
    SELECT p.id, p.external_id, c.external_id AS community, s.reminded_at,
        (SELECT count(*) FROM memories m WHERE m.player_id = p.id AND m.due <= $1) AS due
    FROM study_reminders s JOIN players p ON p.id = s.player_id JOIN communities c ON c.id = p.community_id
    WHERE c.platform = $2 AND (s.reminded_at IS NULL OR s.reminded_at <= $1 - $3)
) r WHERE due > 0
"""


class PgStudyRepo:
    """Everything the study features store."""

    db: PgDatabase

    async def memories(self, player_id: int) -> list[Memory]:
        """Every memory of one person."""
        return [
            memory_from_row(r) for r in await self.db.reader.fetch(_MEM + "WHERE player_id = $1", player_id)
        ]

    async def due_memories(self, player_id: int, at: float, limit: int) -> list[Memory]:
        """The person's memories due by `at`: missed last time first, then the most overdue."""
        sql = (
            _MEM
            + "WHERE player_id = $1 AND due <= $2 ORDER BY (lapses > 0 AND state <> 2) DESC, due LIMIT $3"
        )
        return [memory_from_row(r) for r in await self.db.reader.fetch(sql, player_id, at, limit)]

    async def due_counts(self, player_id: int, at: float, until: float) -> tuple[int, int]:
        """How many of the person's questions are due now, and by `until`."""
        row = await self.db.reader.fetchrow(
            "SELECT count(*) FILTER (WHERE due <= $1), count(*) FROM memories WHERE player_id = $2 AND due <= $3",
            at,
            player_id,
            until,
        )
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def create_session(
        self,
        player_id: int,
        kind: str,
        questions: Sequence[tuple[str, int, int]],
        started_at: float,
        ends_at: float | None,
    ) -> int:
        """Store a new session, ending any the person left open (one open session per person)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE study_sessions SET ended_at = $1 WHERE player_id = $2 AND ended_at IS NULL",
                started_at,
                player_id,
            )
            found = await conn.fetchval(
                "INSERT INTO study_sessions (player_id, kind, questions, started_at, ends_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                player_id,
                kind,
                json.dumps([list(q) for q in questions]),
                started_at,
                ends_at,
            )
            return int(found)

    async def session(self, session_id: int) -> SessionRow | None:
        """One session with its answers."""
        return await self._session(session_id, by_player=False)

    async def open_session(self, player_id: int) -> SessionRow | None:
        """The person's open session, if any."""
        return await self._session(player_id, by_player=True)

    async def _session(self, key: int, *, by_player: bool) -> SessionRow | None:
        sql = _SESSION + "WHERE id = $1"
        if by_player:
            sql = _OPEN_SESSION
        r = await self.db.reader.fetchrow(sql, key)
        if r is None:
            return None
        rows = await self.db.reader.fetch(
            "SELECT idx, option, correct, answered_at FROM study_answers WHERE session_id = $1 ORDER BY idx",
            r[0],
        )
        answers = tuple((int(a[0]), int(a[1]), bool(a[2]), float(a[3])) for a in rows)
        questions = tuple((str(q[0]), int(q[1]), int(q[2])) for q in json.loads(r[3]))
        return SessionRow(int(r[0]), int(r[1]), str(r[2]), questions, float(r[4]), r[5], r[6], answers)

    async def save_session_answer(
        self,
        session_id: int,
        player_id: int,
        answer: tuple[int, str, int, bool, float],
        memory: Memory,
        ended_at: float | None,
    ) -> bool:
        """Store (index, question id, option, correct, at) and the memory it makes, in one transaction; False
        when that index is already answered (the first answer stands: nothing is counted twice)."""
        index, qid, option, correct, at = answer
        async with self.db.transaction() as conn:
            status = await conn.execute(
                "INSERT INTO study_answers (session_id, idx, question_id, option, correct, answered_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                session_id,
                index,
                qid,
                option,
                int(correct),
                at,
            )
            if status != "INSERT 0 1":
                return False
            await conn.execute(_UPSERT, *memory_params(player_id, memory))
            await conn.execute(
                "UPDATE players SET study_answered = study_answered + 1, study_correct = study_correct + $1 "
                "WHERE id = $2",
                int(correct),
                player_id,
            )
            if ended_at is not None:
                await conn.execute(
                    "UPDATE study_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
                    ended_at,
                    session_id,
                )
            return True

    async def end_session(self, session_id: int, at: float) -> None:
        """Mark a session ended (once: a second end keeps the first time)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE study_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL", at, session_id
            )

    async def private_answers(self, player_id: int) -> list[tuple[str, bool]]:
        """(question id, correct) of every answer the person gave in a private session."""
        rows = await self.db.reader.fetch(
            "SELECT sa.question_id, sa.correct FROM study_answers sa JOIN study_sessions s ON s.id = sa.session_id "
            "WHERE s.player_id = $1",
            player_id,
        )
        return [(str(r[0]), bool(r[1])) for r in rows]

    async def exam_history(
        self, player_id: int, limit: int = 10
    ) -> list[tuple[float, float | None, int, int]]:
        """(started, ended, correct, total) of the person's latest exams, newest first."""
        rows = await self.db.reader.fetch(
            "SELECT s.started_at, s.ended_at, (SELECT count(*) FROM study_answers a WHERE a.session_id = s.id "
            "AND a.correct = 1), json_array_length(s.questions::json) FROM study_sessions s "
            "WHERE s.player_id = $1 AND s.kind = 'exam' ORDER BY s.id DESC LIMIT $2",
            player_id,
            limit,
        )
        return [(float(r[0]), r[1], int(r[2]), int(r[3])) for r in rows]

    async def fold_channel_answers(self, fold: Fold) -> int:
        """Fold the answers of revealed rounds past the watermark into memories, in round order; returns how
        many answers were folded. The watermark's row is locked, so two processes fold one after the other."""
        folded = 0
        while True:
            async with self.db.transaction() as conn:
                mark = int(
                    await conn.fetchval(
                        "SELECT round_id FROM study_progress WHERE name = 'memories' FOR UPDATE"
                    )
                    or 0
                )
                limit = await conn.fetchval(
                    "SELECT min(id) FROM rounds WHERE state IN ('pending', 'open', 'closed')"
                )
                rows = await conn.fetch(
                    "SELECT id FROM rounds WHERE id > $1 AND ($2::bigint IS NULL OR id < $2) "
                    "AND state IN ('revealed', 'failed') ORDER BY id LIMIT $3",
                    mark,
                    limit,
                    FOLD_BATCH,
                )
                ids = [int(r[0]) for r in rows]
                if not ids:
                    return folded
                answers = await conn.fetch(
                    "SELECT a.player_id, r.question_id, a.correct, a.answered_at FROM answers a "
                    "JOIN rounds r ON r.id = a.round_id WHERE a.round_id BETWEEN $1 AND $2 AND a.correct IS NOT NULL "
                    "AND r.state = 'revealed' ORDER BY a.round_id, a.answered_at",
                    ids[0],
                    ids[-1],
                )
                given: list[ChannelAnswer] = [
                    (int(a[0]), str(a[1]), bool(a[2]), float(a[3])) for a in answers
                ]
                known = await self._known(conn, {(a[0], a[1]) for a in given})
                changed = fold(known, given)
                if changed:
                    await conn.executemany(_UPSERT, [memory_params(p, m) for (p, _), m in changed.items()])
                await conn.execute("UPDATE study_progress SET round_id = $1 WHERE name = 'memories'", ids[-1])
                folded += len(given)

    @staticmethod
    async def _known(conn: Any, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Memory]:
        ordered = sorted(pairs)
        rows = await conn.fetch(_KNOWN, [p[0] for p in ordered], [p[1] for p in ordered])
        return {(int(r[0]), str(r[1])): memory_from_row(r[1:]) for r in rows}

    async def question_tallies(self) -> dict[str, QuestionTally]:
        """Per-question picks and the correlation sums over every scored answer, channel and private alike."""
        return tallies_from_sums(await self.db.reader.fetch(_TALLIES))

    async def add_report(self, player_id: int, question_id: str, reason: str, at: float) -> int:
        """Store a player's report that a question is wrong or unclear."""
        async with self.db.transaction() as conn:
            found = await conn.fetchval(
                "INSERT INTO question_reports (player_id, question_id, reason, reported_at) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                player_id,
                question_id,
                reason,
                at,
            )
            return int(found)

    async def reports(self) -> list[tuple[int, str, str, str, float]]:
        """(id, question id, reporter's name, reason, when) of every report, newest first."""
        rows = await self.db.reader.fetch(
            "SELECT r.id, r.question_id, p.name, r.reason, r.reported_at FROM question_reports r "
            "JOIN players p ON p.id = r.player_id ORDER BY r.id DESC"
        )
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4])) for r in rows]

    async def set_reminder(self, player_id: int, on: bool) -> None:
        """Ask for (or stop) the daily reminder."""
        async with self.db.transaction() as conn:
            if on:
                await conn.execute(
                    "INSERT INTO study_reminders (player_id) VALUES ($1) ON CONFLICT DO NOTHING", player_id
                )
            else:
                await conn.execute("DELETE FROM study_reminders WHERE player_id = $1", player_id)

    async def reminder_on(self, player_id: int) -> bool:
        """Whether the person asked for reminders."""
        return bool(
            await self.db.read_scalar("SELECT count(*) FROM study_reminders WHERE player_id = $1", player_id)
        )

    async def reminders_due(self, platform: str, at: float, gap: float) -> list[tuple[int, str, str, int]]:
        """(player id, player's external id, community's external id, questions due) of people on `platform`
        who asked for reminders, have questions due and had no reminder in the last `gap` seconds."""
        rows = await self.db.reader.fetch(_REMINDERS_DUE, at, platform, gap)
        return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows]

    async def mark_reminded(self, player_id: int, at: float) -> None:
        """Note that a reminder went out."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE study_reminders SET reminded_at = $1 WHERE player_id = $2", at, player_id
            )
