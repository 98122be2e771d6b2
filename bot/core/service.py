"""QuizService: the facade adapters call. Owns open rounds, their timers, and closing them once."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import recovery
from .bank import Bank
from .bank_schema import Difficulty
from .errors import InvalidInputError, QuizError
from .lookup import Lookup
from .periods import period_keys
from .ports import AnswerSink, Chat, PostError, Store
from .records import AnswerWrite, ChannelRecord, ResultRow, ScheduleRecord
from .results import ScoredAnswer, score_round
from .rounds import Outcome, Round, RoundState
from .selection import at_depth, choose_question
from .views import ChannelRef, LookupHit, QuestionView, RevealView

log = logging.getLogger(__name__)


_EARLY_MAX = 10_000  # messages with early marks kept while questions are being posted


@dataclass(slots=True)
class _Live:
    round: Round
    channel: ChannelRecord
    timer: asyncio.Handle | asyncio.Task[None] | None = None  # the close: waiting, then running


class QuizService:
    """Posts questions, records answers as they arrive, closes, scores and reveals each round once."""

    # A reveal that failed to post is tried again while the bot runs: after this many seconds, then twice
    # as long each time up to the cap. Attributes, so a test (or an operator) can shorten them.
    reveal_retry_first: float = 5.0
    reveal_retry_max: float = 300.0

    def __init__(
        self,
        *,
        bank: Bank,
        store: Store,
        writer: AnswerSink,
        chat: Chat,
        platform: str,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.chat = chat
        self.platform = platform
        self.clock = clock
        self._writer = writer
        self._rng = rng or random.Random()
        self._live: dict[str, _Live] = {}  # message ref -> open round; the reaction path reads only this
        # Marks on messages not (yet) known while a question is being posted: the platform may deliver a
        # fast player's reaction before the post's own reply arrives. Replayed once the round is tracked.
        self._posting = 0
        self._early: dict[str, list[tuple[str, str, int, float]]] = {}
        self._close_lock = asyncio.Lock()  # streaks and scores: one round is scored at a time
        self._closing: set[asyncio.Task[None]] = set()  # timers past their sleep: finished, never cut
        # Closed rounds whose reveal failed to post, by id: the wait before the next try, then that try.
        self._unrevealed: dict[int, asyncio.TimerHandle | asyncio.Task[None]] = {}
        self._adopted: set[int] = set()  # rounds taken over from a process that is gone: read again at close
        self._stopping = False
        self.on_revealed: Callable[[int], None] | None = None  # told each round id once its reveal is stored
        self._set_bank(bank)

    # -- bank -------------------------------------------------------------------------------------

    def _set_bank(self, bank: Bank) -> None:
        self.bank = bank
        self.lookup_index = Lookup(bank)

    def reload_bank(self, bank: Bank) -> None:
        """Use a new bank from now on; open rounds keep the question they were posted with."""
        self._set_bank(bank)

    def lookup(self, query: str, limit: int = 5) -> list[LookupHit]:
        """Ranked glossary matches."""
        return self.lookup_index.search(query, limit)

    def stage_name(self, stage: str) -> str:
        """Display name of a stage id."""
        entry = self.bank.glossary.get(stage)
        return entry.name if entry else stage

    # -- places -----------------------------------------------------------------------------------

    async def channel(self, community: str, channel: str, names: tuple[str, str] = ("", "")) -> ChannelRecord:
        """Our record of a platform channel, created on first use."""
        community_id = await self.store.community(self.platform, community, names[0])
        return await self.store.channel(community_id, channel, names[1])

    @staticmethod
    def ref(channel: ChannelRecord) -> ChannelRef:
        """Where the platform posts for this channel."""
        return ChannelRef(channel.community, channel.external_id)

    # -- asking -----------------------------------------------------------------------------------

    async def ask(
        self,
        channel: ChannelRecord,
        *,
        stage: str | None = None,
        difficulty: str | None = None,
        window: int | None = None,
        schedule_id: int | None = None,
    ) -> Round:
        """Choose a question for the channel, post it and start collecting answers.

        The channel's settings (window, pool, rules) are read from storage now, whatever record the caller
        holds: a timer set up at start and a command typed after `config` ask with the same settings."""
        return await self._ask(
            await self.store.channel_by_id(channel.id),
            stage=stage,
            difficulty=difficulty,
            window=window,
            schedule_id=schedule_id,
        )

    def _stage_id(self, stage: str) -> str:
        """A stage id from an id, a name or an alias; a one-line error listing the stages otherwise."""
        stages = self.bank.stages()
        if stage in {e.id for e in stages}:
            return stage
        hits = [h.entry for h in self.lookup(stage, 3) if h.entry.kind.value == "stage" and h.score >= 80]
        if not hits:
            raise InvalidInputError(
                f"unknown stage '{stage}'; give a stage id or name: {', '.join(e.id for e in stages)}"
            )
        return hits[0].id

    async def _ask(
        self,
        channel: ChannelRecord,
        *,
        stage: str | None,
        difficulty: str | None,
        window: int | None,
        schedule_id: int | None,
    ) -> Round:
        """`ask` with the channel's record as stored now."""
        config = channel.config
        if stage is not None:
            stage = self._stage_id(stage)
        if difficulty is not None and difficulty not in {d.value for d in Difficulty}:
            raise InvalidInputError(f"difficulty is easy, medium or hard, not '{difficulty}'")
        pool = at_depth(
            self.bank.pool(
                stages=[stage] if stage else config.stages,
                difficulties=[difficulty] if difficulty else config.difficulties,
            ),
            config.depth,
        )
        asked = await self.store.asked_in_channel(channel.id)
        question = choose_question(pool, asked, self._rng, self.bank.questions)
        window = window or config.answer_window
        now = self.clock()
        round_id = await self.store.create_round(
            channel.id, question, window, config.allow_changes, schedule_id, now, config.scoring
        )
        rnd = Round(
            id=round_id,
            channel_id=channel.id,
            question=question,
            window=window,
            allow_changes=config.allow_changes,
            scoring=config.scoring,
        )
        view = QuestionView(round_id, question, self.stage_name(question.stage), now + window, window)
        self._posting += 1
        try:
            try:
                ref = await self.chat.post_question(self.ref(channel), view)
            except PostError as exc:
                rnd.mark_failed()
                await self.store.mark_failed(round_id, str(exc))
                raise
            rnd.mark_posted(ref, now)  # from `now`, so the close time shown in the post is the real one
            await self.store.mark_posted(round_id, ref, now)
            self._track(rnd, channel)
            for player, name, option, at in self._early.pop(ref, []):
                try:
                    self.answer(ref, player, name, option, at)
                except QuizError:
                    continue
        finally:
            self._posting -= 1
            if not self._posting:
                self._early.clear()
        return rnd

    def _track(self, rnd: Round, channel: ChannelRecord, *, arm: bool = True) -> _Live:
        live = _Live(rnd, channel)
        assert rnd.message_ref is not None
        self._live[rnd.message_ref] = live
        if arm:
            self._arm(live)
        return live

    def _arm(self, live: _Live) -> None:
        # A timer handle, not a sleeping task, while the round is open: thousands of open rounds stay a
        # few small objects each, which keeps the garbage collector's pauses short.
        live.timer = asyncio.get_running_loop().call_soon(self._set_timer, live)

    def _set_timer(self, live: _Live) -> None:
        if live.timer is not None and not live.timer.cancelled():  # the delay from the clock as it is now
            delay = max(0.0, (live.round.closes_at or 0) - self.clock())
            live.timer = asyncio.get_running_loop().call_later(delay, self._close_due, live)

    def _close_due(self, live: _Live) -> None:
        task = asyncio.get_running_loop().create_task(self._close_now(live.round))
        live.timer = task
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_now(self, rnd: Round) -> None:
        try:
            if rnd.id in self._adopted and (live := self._live.get(rnd.message_ref or "")) is not None:
                self._adopted.discard(rnd.id)
                await recovery.reread_round(self, live)  # its marks may have reached no process of ours
            await self.close_round(rnd.id)
        except Exception:
            if rnd.id not in self._unrevealed:  # a failed reveal is logged where it is set to be tried again
                log.exception("closing round %s failed", rnd.id)

    def open_round(self, message_ref: str) -> Round | None:
        """The round posted as `message_ref` while it is open or still closing, if any."""
        live = self._live.get(message_ref)
        return live.round if live else None

    def open_rounds(self) -> list[Round]:
        """Every round now collecting answers, oldest first."""
        live = (v.round for v in self._live.values() if v.round.state is RoundState.OPEN)
        return sorted(live, key=lambda r: r.id)

    # -- answering --------------------------------------------------------------------------------

    def answer(
        self, message_ref: str, player: str, name: str, option: int, at: float | None = None
    ) -> Outcome | None:
        """Record an answer as it arrives; None when the message is not an open question."""
        live = self._live.get(message_ref)
        when = self.clock() if at is None else at
        if live is None:  # not a round, or (while one is being posted) perhaps its message already
            if self._posting and len(self._early) < _EARLY_MAX:
                self._early.setdefault(message_ref, []).append((player, name, option, when))
            return None
        outcome = live.round.answer(player, name, option, when)
        if outcome in (Outcome.RECORDED, Outcome.CHANGED):
            self._writer.submit(
                AnswerWrite(live.round.id, live.channel.community_id, player, name, option, when)
            )
            if live.channel.config.remove_reactions:
                asyncio.get_running_loop().create_task(self._unmark(live, player, option))
        return outcome

    def withdraw(self, message_ref: str, player: str, option: int) -> Outcome | None:
        """A removed mark: takes the answer back where the channel allows changes."""
        live = self._live.get(message_ref)
        if live is None or live.channel.config.remove_reactions:
            return None  # our own removal of a recorded mark is not a withdrawal
        current = live.round.answers.get(player)
        outcome = live.round.withdraw(player, option)
        if outcome is Outcome.WITHDRAWN and current is not None:  # the name too: the writer stores it
            self._writer.submit(
                AnswerWrite(
                    live.round.id, live.channel.community_id, player, current.name, None, self.clock()
                )
            )
        return outcome

    async def _unmark(self, live: _Live, player: str, option: int) -> None:
        try:
            assert live.round.message_ref is not None
            await self.chat.remove_mark(self.ref(live.channel), live.round.message_ref, player, option)
        except Exception:
            log.warning("could not remove a recorded mark in round %s", live.round.id)

    # -- closing ----------------------------------------------------------------------------------

    async def close_round(self, round_id: int) -> bool:
        """Close, score and reveal a round; False if it was not open (it closes exactly once)."""
        live = next((v for v in self._live.values() if v.round.id == round_id), None)
        if live is None or live.round.state is not RoundState.OPEN:
            return False
        async with self._close_lock:
            rnd, channel = live.round, live.channel
            if rnd.state is not RoundState.OPEN:
                return False
            rnd.close()
            assert rnd.message_ref is not None and rnd.posted_at is not None
            try:
                if live.timer is not None and live.timer is not asyncio.current_task():
                    live.timer.cancel()
                await self._writer.flush()  # every answer is durable before the round is scored
                # Both reads at once: the answers on the writing connection, the competitions on the reader.
                answers, competitions = await asyncio.gather(
                    self.store.round_answers(rnd.id),
                    self.store.competitions_running(channel.community_id, rnd.posted_at),
                )
                rules = rnd.scoring or channel.config.scoring  # as posted; older rounds: the channel's
                result = score_round(rnd.question, answers, rnd.posted_at, rnd.window, rules)
                periods = period_keys(rnd.posted_at) + [f"competition:{c}" for c in competitions]
                # False: another process sharing the database closed it first (or is closing it this moment);
                # it scores and reveals it, so this one does neither: a round is revealed once.
                won = await self.store.finish_round(
                    rnd.id, channel.community_id, self.clock(), result, periods
                )
            except BaseException:
                self._live.pop(rnd.message_ref, None)
                raise
        if not won:
            self._live.pop(rnd.message_ref, None)
            return False
        try:  # the reveal shows what was just scored and stored: no second read of the answers
            await self._reveal(rnd, channel, result.scored)
        except Exception as exc:  # scored and stored: only the post is missing, and it is tried again
            recovery.retry_reveal(self, rnd, channel, exc)
            raise
        finally:
            # Only now: until the reveal, a late mark meets the closed round and is refused by name.
            self._live.pop(rnd.message_ref, None)
        return True

    async def _reveal(
        self, rnd: Round, channel: ChannelRecord, rows: Sequence[ResultRow | ScoredAnswer] | None = None
    ) -> None:
        assert rnd.message_ref is not None and rnd.posted_at is not None
        after_restart = rows is None
        if rows is None:  # after a restart: what was stored at close
            rows = await self.store.round_results(rnd.id)
        view = RevealView(
            rnd.id,
            rnd.question,
            self.stage_name(rnd.question.stage),
            rnd.posted_at,
            tuple(rows),
            after_restart,
            answer=self.bank.answer_entry(rnd.question),
        )
        await self.chat.post_reveal(self.ref(channel), rnd.message_ref, view)
        await self.store.mark_revealed(rnd.id)
        if rnd.state is RoundState.CLOSED:
            rnd.mark_revealed()
        if self.on_revealed is not None:
            self.on_revealed(rnd.id)  # must not block: the study worker only sets a flag

    # -- restart and re-reading (recovery.py) -----------------------------------------------------

    async def resume(self, adopted: Sequence[int] = ()) -> int:
        """After a restart: fail unposted rounds, recover missed answers, close what is due, reveal what was not;
        how many open rounds it picked up. `adopted`: those taken over from a process that is gone."""
        return await recovery.resume(self, adopted=set(adopted))

    async def adopt(self, round_ids: Sequence[int]) -> int:
        """Finish rounds taken over from a process that is gone, as a resume does; how many were open."""
        return await recovery.resume(self, set(round_ids))

    async def reread_open_rounds(self) -> int:
        """After a gap in the platform's events (a fresh gateway session): record marks on open questions that
        no event brought; how many answers that added or changed."""
        return await recovery.reread_open_rounds(self)

    # -- schedules --------------------------------------------------------------------------------

    async def fire_schedule(self, schedule: ScheduleRecord, due_at: float) -> Round | None:
        """Post the question a schedule owes at `due_at`, unless that firing was already claimed."""
        if not await self.store.claim_fire(schedule.id, due_at):
            return None
        channel = await self.store.channel_by_id(schedule.channel_id)  # its settings as stored now
        return await self._ask(
            channel, stage=None, difficulty=None, window=schedule.window, schedule_id=schedule.id
        )

    async def stop(self) -> None:
        """Let closes and reveals under way finish, cancel waiting timers, flush answers; the rest resume at
        next start."""
        self._stopping = True
        for live in list(self._live.values()):
            if live.timer is not None and live.timer not in self._closing:
                live.timer.cancel()
        for waiting in list(self._unrevealed.values()):
            if waiting not in self._closing:
                waiting.cancel()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        await self._writer.flush()
