"""Pure question choice: no repeat in a channel until its pool is used up, spread across stages."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .bank_schema import Question
from .errors import NoQuestionError


@dataclass(frozen=True)
class Asked:
    """How often, and when last, a question was posted in a channel."""

    count: int
    last_at: float


def at_depth(pool: Sequence[Question], depth: str) -> list[Question]:
    """The pool's questions at a channel's depth: 'exam', 'deep', or 'all' for both."""
    return list(pool) if depth == "all" else [q for q in pool if q.depth.value == depth]


def choose_question(
    pool: Sequence[Question],
    asked: Mapping[str, Asked],
    rng: random.Random,
    known: Mapping[str, Question] | None = None,
) -> Question:
    """Pick from the least-asked questions, in the stage asked least recently among them.

    A stage's recency counts every question asked in the channel that `known` (the bank) or the pool
    names, not only the pool's: with a narrower pool (hard only, a /now filter, settings changed since) the
    question just asked still makes its stage the most recent, so the next one comes from another stage
    whenever the least-asked questions offer one. No repeat comes first: when the only questions not yet
    asked are in the last stage, the next is from that stage.
    """
    if not pool:
        raise NoQuestionError("no question matches this channel's pool and the filters given")
    least = min(asked[q.id].count if q.id in asked else 0 for q in pool)
    fresh = [q for q in pool if (asked[q.id].count if q.id in asked else 0) == least]
    stages = {q.id: q.stage for q in pool}
    stage_last: dict[str, float] = {}
    for qid, record in asked.items():
        found = known.get(qid) if known is not None else None
        stage = found.stage if found is not None else stages.get(qid)
        if stage is not None:
            stage_last[stage] = max(stage_last.get(stage, -1.0), record.last_at)
    oldest = min(stage_last.get(q.stage, -1.0) for q in fresh)
    candidates = [q for q in fresh if stage_last.get(q.stage, -1.0) == oldest]
    return rng.choice(sorted(candidates, key=lambda q: q.id))
