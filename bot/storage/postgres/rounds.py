"""Rounds and their answers on PostgreSQL (twin of bot/storage/rounds.py), with the once-only close that holds
when several processes share the database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import attrgetter

from ...core.bank_schema import Question
from ...core.config import ScoringRules
from ...core.records import ResultRow, RoundRecord
from ...core.results import RoundResult, StoredAnswer, stored_answers
from ...core.rounds import Answer, RoundState
from ...core.selection import Asked
from .db import PgDatabase
from .team_totals import write_team_totals
from .totals import lock_players, write_totals

_PLAYER_ID = attrgetter("player_id")

# The claim of a round to close. Two processes may see the same round due at the same moment (two bots on one
# database, or a restart overlapping the old process). The close claims the round's row with FOR UPDATE SKIP
# LOCKED inside the transaction that scores it, then sets it 'closed':
# - the row lock is the round itself: it is taken and checked ('open') in one statement, and PostgreSQL drops
#   it at commit or rollback, so nothing can leak. An advisory lock would be a second name for the same thing,
#   and a session-level one outlives a failed transaction on a pooled connection unless unlocked by hand.
# - SKIP LOCKED: the second process does not wait for the first to finish scoring (it would hold its own
#   close lock meanwhile, delaying every other close of that bot); it is told False at once, as if the round
#   were already closed, and does not reveal it. Once the first commits, the row says 'closed' anyway.
# - if the first close fails and rolls back, the round is 'open' again and is closed by the next restart's
#   recovery, as with the SQLite store.
# - with several bot processes (bot/lease.py) the owner is checked too: a process that lost its lease (paused
#   past it, then woke) cannot close a round that another process adopted meanwhile.
# NO KEY UPDATE rather than UPDATE: answers being inserted for the round only need its key, and are not held up.
_CLAIM = """
SELECT coalesce(posted_at, created_at) FROM rounds
WHERE id = $1 AND state = 'open' AND ($2::text IS NULL OR owner IS NULL OR owner = $2) FOR NO KEY UPDATE SKIP LOCKED
"""


class PgRoundRepo:
    """Posted questions and the answers to them."""

    db: PgDatabase
    owner: str | None

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
            found = await conn.fetchval(
                'INSERT INTO rounds (channel_id, schedule_id, question_id, question, stage, services, difficulty, "window", '
                "allow_changes, state, created_at, scoring, owner) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12) RETURNING id",
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
                self.owner,
            )
            return int(found)

    async def mark_posted(self, round_id: int, message_ref: str, posted_at: float) -> None:
        """The question is on the platform: the round is open."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'open', message_ref = $1, posted_at = $2 WHERE id = $3",
                message_ref,
                posted_at,
                round_id,
            )

    async def mark_failed(self, round_id: int, error: str) -> None:
        """The question could not be posted and never will be."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'failed', error = $1 WHERE id = $2 AND state = 'pending'",
                error[:500],
                round_id,
            )

    async def rounds_in(self, states: Sequence[RoundState], platform: str | None = None) -> list[RoundRecord]:
        """Rounds in any of `states` (on one platform's communities, if given), oldest first, open ones with
        their answers; in a bot process, only those it owns (others are other processes' to finish)."""
        rows = await self.db.reader.fetch(
            'SELECT r.id, r.channel_id, r.question, r.state, r."window", r.allow_changes, r.message_ref, '
            "r.posted_at, r.scoring FROM rounds r JOIN channels ch ON ch.id = r.channel_id "
            "JOIN communities co ON co.id = ch.community_id "
            "WHERE r.state = ANY($1::text[]) AND ($2::text IS NULL OR co.platform = $2) "
            "AND ($3::text IS NULL OR r.owner = $3) ORDER BY r.id",
            [s.value for s in states],
            platform,
            self.owner,
        )
        out = []
        for rid, channel_id, question, state, window, allow, ref, posted, scoring in rows:
            answers: tuple[Answer, ...] = ()
            if state == RoundState.OPEN.value:
                found = await self.db.reader.fetch(
                    "SELECT p.external_id, p.name, a.option, a.answered_at FROM answers a "
                    "JOIN players p ON p.id = a.player_id WHERE a.round_id = $1",
                    rid,
                )
                answers = tuple(Answer(*r) for r in found)
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
        rows = await self.db.reader.fetch(
            "SELECT question_id, count(*), max(coalesce(posted_at, created_at)) FROM rounds "
            "WHERE channel_id = $1 AND state <> 'failed' GROUP BY question_id",
            channel_id,
        )
        return {qid: Asked(int(n), float(last)) for qid, n, last in rows}

    async def round_answers(self, round_id: int) -> list[StoredAnswer]:
        """A round's stored answers with each player's streak, for scoring."""
        rows = await self.db.reader.fetch(
            "SELECT p.id, p.external_id, p.name, a.option, a.answered_at, p.streak FROM answers a "
            "JOIN players p ON p.id = a.player_id WHERE a.round_id = $1",
            round_id,
        )
        return stored_answers(tuple(r) for r in rows)

    async def finish_round(
        self,
        round_id: int,
        community_id: int,
        closed_at: float,
        result: RoundResult,
        periods: Sequence[str],
    ) -> bool:
        """Record a round's scores once: False (and nothing written) if it was already closed, or another
        process is closing it this moment (see _CLAIM).

        `periods` are the round's buckets: 'all', its 'week:...' and 'month:...' (live on each player's row),
        and any 'competition:N' (rows of scores)."""
        async with self.db.transaction() as conn:
            posted = await conn.fetchval(_CLAIM, round_id, self.owner)
            if posted is None:
                return False
            await conn.execute(
                "UPDATE rounds SET state = 'closed', closed_at = $1 WHERE id = $2", closed_at, round_id
            )
            scored = sorted(result.scored, key=_PLAYER_ID)
            await lock_players(conn, scored)
            right = [s for s in scored if s.correct]
            # Every answer is wrong with 0 points, then the right ones, in one statement each.
            await conn.execute("UPDATE answers SET correct = 0, points = 0 WHERE round_id = $1", round_id)
            if right:
                await conn.execute(
                    "UPDATE answers a SET correct = 1, points = j.pts "
                    "FROM unnest($2::bigint[], $3::int[]) AS j (pid, pts) "
                    "WHERE a.round_id = $1 AND a.player_id = j.pid",
                    round_id,
                    [s.player_id for s in right],
                    [s.points for s in right],
                )
            await write_totals(conn, community_id, scored, periods)
            await write_team_totals(conn, scored, periods, float(posted))  # the team at posting time
            return True

    async def round_results(self, round_id: int) -> list[ResultRow]:
        """A closed round's scored answers, fastest first."""
        rows = await self.db.reader.fetch(
            "SELECT p.external_id, p.name, a.option, a.answered_at, coalesce(a.correct, 0), "
            "coalesce(a.points, 0) FROM answers a JOIN players p ON p.id = a.player_id "
            "WHERE a.round_id = $1 ORDER BY a.answered_at, p.id",
            round_id,
        )
        return [ResultRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    async def mark_revealed(self, round_id: int) -> None:
        """The reveal is posted. Not waited onto the disk (as in the SQLite store): a restart that finds the
        round 'closed' looks for its reveal on the platform before posting one."""
        async with self.db.transaction(durable=False) as conn:
            await conn.execute(
                "UPDATE rounds SET state = 'revealed' WHERE id = $1 AND state = 'closed'", round_id
            )
