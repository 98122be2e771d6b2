"""Readiness per stage: how likely the person is to answer that stage's questions right today.

Method, in one line: the mean FSRS recall probability now over the stage's questions in the channel's
pool, counting a question the person has never answered as 0, so that both forgetting and not yet having
met a question lower it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .memory import Memory, recall


@dataclass(frozen=True)
class Readiness:
    """One stage's readiness for one person."""

    stage: str
    name: str
    score: float  # 0..1
    met: int  # questions of the stage the person has answered at least once
    total: int  # questions of the stage in the pool

    @property
    def percent(self) -> int:
        """The score as a whole percentage."""
        return round(100 * self.score)


def readiness(
    memories: Iterable[Memory],
    stage_of: Mapping[str, str],
    stage_names: Mapping[str, str],
    at: float,
) -> list[Readiness]:
    """Readiness of every stage in `stage_of` (question id -> stage), in the order of `stage_names`
    (lifecycle order); `weakest` picks the one to practise."""
    known = {m.question_id: m for m in memories}
    sums: dict[str, float] = defaultdict(float)
    met: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for qid, stage in stage_of.items():
        total[stage] += 1
        memory = known.get(qid)
        if memory is not None:
            met[stage] += 1
            sums[stage] += recall(memory, at)
    order = {stage: i for i, stage in enumerate(stage_names)}
    found = [
        Readiness(stage, stage_names.get(stage, stage), sums[stage] / total[stage], met[stage], total[stage])
        for stage in total
    ]
    found.sort(key=lambda r: order.get(r.stage, len(order)))
    return found


def weakest(found: list[Readiness], count: int = 1) -> list[Readiness]:
    """The `count` stages to practise: the lowest readiness among the stages the person has met, then (when
    fewer are met) stages not met yet, in lifecycle order (`found` is in lifecycle order)."""
    met = sorted((r for r in found if r.met), key=lambda r: r.score)  # a stable sort keeps lifecycle order
    return (met + [r for r in found if not r.met])[:count]
