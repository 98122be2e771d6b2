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


def choose_question(pool: Sequence[Question], asked: Mapping[str, Asked], rng: random.Random) -> Question:
    """Pick from the least-asked questions, in the stage asked least recently among them."""
    if not pool:
        raise NoQuestionError("no question matches this channel's pool and the filters given")
    least = min(asked[q.id].count if q.id in asked else 0 for q in pool)
    fresh = [q for q in pool if (asked[q.id].count if q.id in asked else 0) == least]
    stage_last: dict[str, float] = {}
    for q in pool:
        if q.id in asked:
            stage_last[q.stage] = max(stage_last.get(q.stage, -1.0), asked[q.id].last_at)
    oldest = min(stage_last.get(q.stage, -1.0) for q in fresh)
    candidates = [q for q in fresh if stage_last.get(q.stage, -1.0) == oldest]
    return rng.choice(sorted(candidates, key=lambda q: q.id))
