"""Rounds and their answers: creation, posting, recovery, and the once-only close."""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import attrgetter

from ..core.bank_schema import Question
from ..core.config import ScoringRules
from ..core.records import ResultRow, RoundRecord
from ..core.results import RoundResult, StoredAnswer, stored_answers
from ..core.rounds import Answer, RoundState
from ..core.selection import Asked
from .db import Database
from .team_totals import write_team_totals
from .totals import write_totals

_PLAYER_ID = attrgetter("player_id")


class RoundRepo:
    """Posted questions and the answers to them."""

    db: Database

    async def create_round(
        self,
        channel_id: int,
        question: Question,
        window: int,
        allow_changes: bool,
        schedule_id: int | None,
        at: float,
        scoring: ScoringRules | None = None,
    ) -> int:
        """Store a round about to be posted, with a snapshot of its question."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO rounds (channel_id, schedule_id, question_id, question, stage, services, "
                "difficulty, window, allow_changes, state, created_at, scoring) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (
                    channel_id,
                    schedule_id,
                    question.id,
                    question.model_dump_json(),
                    question.stage,
                    json.dumps(list(question.services)),
                    question.difficulty.value,
                    window,
                    int(allow_changes),
                    at,
                    None if scoring is None else json.dumps(scoring.to_json()),
                ),
            )
            return int(cur.lastrowid or 0)

    async def mark_posted(self, round_id: int, message_ref: str, posted_at: float) -> None:
        """The question is on the platform: the round is open."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'open', message_ref = ?, posted_at = ? WHERE id = ?",
                (message_ref, posted_at, round_id),
            )

    async def mark_failed(self, round_id: int, error: str) -> None:
        """The question could not be posted and never will be."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'failed', error = ? WHERE id = ? AND state = 'pending'",
                (error[:500], round_id),
            )

    async def rounds_in(self, states: Sequence[RoundState], platform: str | None = None) -> list[RoundRecord]:
        """Rounds in any of `states` (on one platform's communities, if given), oldest first, open ones with
        their answers."""
        sql = (
            "SELECT r.id, r.channel_id, r.question, r.state, r.window, r.allow_changes, r.message_ref, "
            "r.posted_at, r.scoring FROM rounds r JOIN channels ch ON ch.id = r.channel_id "
            "JOIN communities co ON co.id = ch.community_id "
            "WHERE r.state IN (SELECT value FROM json_each(?)) AND (? IS NULL OR co.platform = ?) ORDER BY r.id"
        )
        states_json = json.dumps([s.value for s in states])
        async with self.db.reader.execute(sql, (states_json, platform, platform)) as cur:
            rows = await cur.fetchall()
        out = []
        for rid, channel_id, question, state, window, allow, ref, posted, scoring in rows:
            answers: tuple[Answer, ...] = ()
            if state == RoundState.OPEN.value:
                async with self.db.reader.execute(
                    "SELECT p.external_id, p.name, a.option, a.answered_at FROM answers a "
                    "JOIN players p ON p.id = a.player_id WHERE a.round_id = ?",
                    (rid,),
                ) as cur:
                    answers = tuple(Answer(*r) for r in await cur.fetchall())
            out.append(
                RoundRecord(
                    rid,
                    channel_id,
                    Question.model_validate_json(question),
                    RoundState(state),
                    window,
                    bool(allow),
                    ref,
                    posted,
                    answers,
                    None if scoring is None else ScoringRules.from_json(json.loads(scoring)),
                )
            )
        return out

    async def asked_in_channel(self, channel_id: int) -> dict[str, Asked]:
        """How often and when each question was posted in a channel."""
        async with self.db.reader.execute(
            "SELECT question_id, count(*), max(coalesce(posted_at, created_at)) FROM rounds "
            "WHERE channel_id = ? AND state != 'failed' GROUP BY question_id",
            (channel_id,),
        ) as cur:
            return {qid: Asked(int(n), float(last)) for qid, n, last in await cur.fetchall()}

    async def round_answers(self, round_id: int) -> list[StoredAnswer]:
        """A round's stored answers with each player's streak, for scoring. Read on the writing connection,
        whose cache holds the pages just written (the reader would read them again). A transaction open there
        cannot hold an answer of this round (it is closed and flushed) nor change a streak (only closes do, and
        they take turns); a writer batch renaming a player may show the new name before it commits, and the
        writer commits that batch at its next try if this one fails. The close's own transaction waits for such
        a batch anyway."""
        rows = await self.db.conn.execute_fetchall(  # one trip to the database thread, not three
            "SELECT p.id, p.external_id, p.name, a.option, a.answered_at, p.streak FROM answers a "
            "JOIN players p ON p.id = a.player_id WHERE a.round_id = ?",
            (round_id,),
        )
        return stored_answers(rows)

    async def finish_round(
        self,
        round_id: int,
        community_id: int,
        closed_at: float,
        result: RoundResult,
        periods: Sequence[str],
    ) -> bool:
        """Record a round's scores once: False (and nothing written) if it was already closed.

        `periods` are the round's buckets: 'all', its 'week:...' and 'month:...' (live on each player's row),
        and any 'competition:N' (rows of scores)."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "UPDATE rounds SET state = 'closed', closed_at = ? WHERE id = ? AND state = 'open' "
                "RETURNING coalesce(posted_at, created_at)",
                (closed_at, round_id),
            ) as cur:
                closing = await cur.fetchone()
            if closing is None:
                return False
            scored = sorted(result.scored, key=_PLAYER_ID)  # key order: B-tree locality
            right = [s for s in scored if s.correct]
            # Every answer is wrong with 0 points (one pass over the round's range), then the right ones.
            await conn.execute("UPDATE answers SET correct = 0, points = 0 WHERE round_id = ?", (round_id,))
            await conn.executemany(
                "UPDATE answers SET correct = 1, points = ? WHERE round_id = ? AND player_id = ?",
                [(s.points, round_id, s.player_id) for s in right],
            )
            await write_totals(conn, community_id, scored, periods)
            await write_team_totals(conn, scored, periods, float(closing[0]))  # the team at posting time
            return True

    async def round_results(self, round_id: int) -> list[ResultRow]:
        """A closed round's scored answers, fastest first."""
        async with self.db.reader.execute(
            "SELECT p.external_id, p.name, a.option, a.answered_at, coalesce(a.correct, 0), "
            "coalesce(a.points, 0) FROM answers a JOIN players p ON p.id = a.player_id "
            "WHERE a.round_id = ? ORDER BY a.answered_at, p.id",
            (round_id,),
        ) as cur:
            return [ResultRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in await cur.fetchall()]

    async def mark_revealed(self, round_id: int) -> None:
        """The reveal is posted. Not waited onto the disk: if the machine loses it, a restart finds the round
        'closed' and looks for its reveal on the platform before posting one (RevealView.maybe_posted)."""
        async with self.db.transaction(durable=False) as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'revealed' WHERE id = ? AND state = 'closed'",
                (round_id,),
            )
