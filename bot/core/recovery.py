"""Picking up after a restart or a gap in the platform's events: the half of QuizService that reads back what
the platform shows (the marks on open questions) and what storage holds (rounds not yet closed or revealed),
and tries again, while the bot runs, a reveal that failed to post."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .errors import QuizError
from .records import AnswerWrite, ChannelRecord
from .rounds import Outcome, Round, RoundState

if TYPE_CHECKING:
    from .service import QuizService, _Live

log = logging.getLogger(__name__)


async def resume(service: QuizService, only: set[int] | None = None, adopted: set[int] | None = None) -> int:
    """After a restart: fail unposted rounds, recover missed answers, close what is due, reveal what was not.
    `only`: just these rounds. Rounds adopted from a process that is gone (`adopted`, and all of `only`) are
    read again from the platform before they close: that process's shards may bring their marks to no process."""
    adopted = only if only is not None else adopted or set()
    recovering: list[_Live] = []
    states = [RoundState.PENDING, RoundState.OPEN, RoundState.CLOSED]
    for rec in await service.store.rounds_in(states, service.platform):  # another platform's bot has its own
        if only is not None and rec.id not in only:
            continue
        if _in_hand(service, rec.id):  # this process is revealing it, or will try its reveal again
            continue
        channel = await service.store.channel_by_id(rec.channel_id)
        if rec.state is RoundState.PENDING:
            await service.store.mark_failed(rec.id, "the bot stopped before the question was posted")
            continue
        rnd = Round(
            id=rec.id,
            channel_id=rec.channel_id,
            question=rec.question,
            window=rec.window,
            allow_changes=rec.allow_changes,
            state=rec.state,
            message_ref=rec.message_ref,
            posted_at=rec.posted_at,
            answers={a.player: a for a in rec.answers},
            scoring=rec.scoring,
        )
        if rec.state is RoundState.CLOSED:
            try:
                await service._reveal(rnd, channel)
            except Exception as exc:  # the platform may be down yet: tried again while the bot runs
                retry_reveal(service, rnd, channel, exc)
            continue
        # Registered before the marks are read, so live events meanwhile are recorded too.
        recovering.append(service._track(rnd, channel, arm=False))
        if rnd.id in adopted:
            service._adopted.add(rnd.id)
    for live in recovering:
        await _recover_answers(service, live.round, live.channel)
        service._arm(live)  # closes at once when the round is already due
    return len(recovering)


def _in_hand(service: QuizService, round_id: int) -> bool:
    """True while this process is closing or revealing the round (it stays in `_live`, no longer open, until
    its reveal is recorded) or waiting to try its reveal again: a resume meanwhile would reveal it twice."""
    return round_id in service._unrevealed or any(
        v.round.id == round_id and v.round.state is not RoundState.OPEN for v in service._live.values()
    )


async def _read_marks(
    service: QuizService, rnd: Round, channel: ChannelRecord
) -> dict[str, list[tuple[str, int]]] | None:
    """The option marks now on a round's message, by player: [(name, option), ...]; None when the platform
    cannot tell (it keeps no marks, as the console, or reading them failed): then nothing stored may be
    taken back, since a missing mark there is no sign that anyone removed one."""
    assert rnd.message_ref is not None
    try:
        marks = await service.chat.read_answers(
            service.ref(channel), rnd.message_ref, len(rnd.question.options)
        )
    except Exception:
        log.warning("could not read back the marks of round %s; keeping what is recorded", rnd.id)
        return None
    if marks is None:
        return None
    by_player: dict[str, list[tuple[str, int]]] = {}
    for player, name, option in marks:
        by_player.setdefault(player, []).append((name, option))
    return by_player


async def _recover_answers(service: QuizService, rnd: Round, channel: ChannelRecord) -> None:
    assert rnd.message_ref is not None and rnd.closes_at is not None
    by_player = await _read_marks(service, rnd, channel)
    if by_player is None:
        return
    when = min(service.clock(), rnd.closes_at)  # the platform does not say when a mark was added
    for player, choices in by_player.items():
        stored = rnd.answers.get(player)
        if stored is not None and any(o == stored.option for _, o in choices):
            continue
        name, option = choices[0]
        try:
            rnd.answer(player, name, option, when, late_ok=True)
        except QuizError:
            continue
        service._writer.submit(AnswerWrite(rnd.id, channel.community_id, player, name, option, when))
    # Withdrawn only on the platform's positive word: the marks were read and this player's is gone.
    if rnd.allow_changes and not channel.config.remove_reactions:
        for player in [p for p in rnd.answers if p not in by_player]:
            gone = rnd.answers.pop(player)
            service._writer.submit(AnswerWrite(rnd.id, channel.community_id, player, gone.name, None, when))
    await service._writer.flush()


async def reread_open_rounds(service: QuizService) -> int:
    """After a gap in the platform's events (a fresh gateway session): record marks on open questions that
    no event brought; how many answers that added or changed."""
    found = 0
    for live in [v for v in service._live.values() if v.round.state is RoundState.OPEN]:
        found += await reread_round(service, live)
    return found


async def reread_round(service: QuizService, live: _Live) -> int:
    """Record the marks on one open question that no event brought; how many answers that added or changed."""
    rnd, found = live.round, 0
    assert rnd.message_ref is not None and rnd.closes_at is not None
    since = service.clock()
    by_player = await _read_marks(service, rnd, live.channel)
    if by_player is None:
        return 0
    for player, choices in by_player.items():
        current = rnd.answers.get(player)
        if current is not None and (current.at >= since or any(o == current.option for _, o in choices)):
            continue  # already counted, or changed live while we were reading: the event is newer
        name, option = choices[0]
        try:
            outcome = service.answer(
                rnd.message_ref, player, name, option, at=min(service.clock(), rnd.closes_at)
            )
        except QuizError:
            continue
        found += outcome in (Outcome.RECORDED, Outcome.CHANGED)
    return found


# -- reveals that failed to post --------------------------------------------------------------------


def retry_reveal(
    service: QuizService, rnd: Round, channel: ChannelRecord, error: Exception, delay: float | None = None
) -> None:
    """Try a closed round's failed reveal again after `delay` (the service's first wait by default), while
    the bot runs. Each try is as after a restart (`maybe_posted`): a post that landed unheard is found, not
    made twice."""
    if service._stopping:
        service._unrevealed.pop(rnd.id, None)
        log.warning("the reveal of round %s failed (%s); the next start posts it", rnd.id, error)
        return
    wait = service.reveal_retry_first if delay is None else delay
    log.warning("the reveal of round %s failed (%s); trying again in %g s", rnd.id, error, wait)
    service._unrevealed[rnd.id] = asyncio.get_running_loop().call_later(
        wait, _reveal_again, service, rnd, channel, wait
    )


def _reveal_again(service: QuizService, rnd: Round, channel: ChannelRecord, waited: float) -> None:
    task = asyncio.get_running_loop().create_task(_try_reveal(service, rnd, channel, waited))
    service._unrevealed[rnd.id] = task
    service._closing.add(task)  # a try under way is let finish at stop, as a close is
    task.add_done_callback(service._closing.discard)


async def _try_reveal(service: QuizService, rnd: Round, channel: ChannelRecord, waited: float) -> None:
    try:
        await service._reveal(rnd, channel)  # from storage, looking for an earlier post first
    except Exception as exc:
        retry_reveal(service, rnd, channel, exc, min(waited * 2, service.reveal_retry_max))
    else:
        service._unrevealed.pop(rnd.id, None)
        log.info("the reveal of round %s is posted", rnd.id)
