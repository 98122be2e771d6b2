"""The lifecycle as a graph: stages in their `order`, each leading to the next, retraining looping back.

Order questions ("what comes after deployment", "which stage is Clarify used in") are recognised by
their wording; the stage or entry they are about is found by the ordinary lookup on the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..bank import Bank
from ..bank_schema import GlossaryEntry, Kind


class Relation(StrEnum):
    """What an order question asks."""

    AFTER = "after"
    BEFORE = "before"
    FIRST = "first"
    LAST = "last"
    LOOP = "loop"
    STAGE_OF = "stage-of"


@dataclass(frozen=True)
class OrderQuestion:
    """A question about the lifecycle's order, and the words that name its subject."""

    relation: Relation
    subject: str


_ASKS = r"\b(what|which|where|when|how)\b|\bnext\b|\bthen\b|\b(stage|step|phase)s?\b"
_MOVES = r"\b(comes?|next|step|stage|phase|follows?|following|happens?|precedes?|then|do i do|do we do)\b"
_PATTERNS: list[tuple[Relation, str, str]] = [
    # (relation, cue that must be present, words removed to leave the subject)
    (
        Relation.LOOP,
        r"\b(loops?|go(es)? back|goes? back to|returns? to|cycle)\b",
        r"\b(loops?|go(es)?|back|return|returns|cycle|after)\b",
    ),
    (
        Relation.BEFORE,
        r"\b(before|prior to|precedes?|preceding|leads? to)\b",
        r"\b(before|prior to|precedes?|preceding|leads?)\b",
    ),
    (
        Relation.AFTER,
        r"\b(after|once|follows?|following|next)\b",
        r"\b(after|once|follows?|following|next)\b",
    ),
    (Relation.FIRST, r"\b(first|start|begin|beginning|initial)\b", r"$^"),
    (Relation.LAST, r"\b(last|final|end)\b", r"$^"),
    (
        Relation.STAGE_OF,
        r"\b(which|what)\s+(stage|step|phase)\b|\b(when|where) in the\b|\bfit in\b|\bbelongs?\b|\bpart of\b",
        r"$^",
    ),
]
_FILLER = re.compile(
    r"\b(what|which|where|when|how|s|is|are|comes?|do|does|did|i|we|you|then|step|stage|phase|happens?|"
    r"the|a|an|of|in|to|right|ml|lifecycle|life cycle|project|process|stages|steps|used|use|uses|fits?|belongs?|"
    r"part|thing|now|should|my|our|it|after|before|next|first|last|once|up|with|for|follows?|following|"
    r"precedes?|preceding)\b"
)


def parse(cleaned: str) -> OrderQuestion | None:
    """The order question a cleaned query asks, if it asks one."""
    if not re.search(_ASKS, cleaned):
        return None
    for relation, cue, _ in _PATTERNS:
        if not re.search(cue, cleaned):
            continue
        if relation in (Relation.AFTER, Relation.BEFORE) and not re.search(_MOVES, cleaned):
            continue  # "check the data for bias before training" describes a need, not the order
        if relation in (Relation.FIRST, Relation.LAST) and re.search(r"\b(after|before|once)\b", cleaned):
            continue
        subject = re.sub(r"\s+", " ", _FILLER.sub(" ", cleaned)).strip()
        return OrderQuestion(relation, subject)
    return None


class Lifecycle:
    """Stages in order, and which stages every other entry serves."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.stages = [s for s in bank.stages() if s.order is not None]
        self._index = {s.id: i for i, s in enumerate(self.stages)}

    def is_stage(self, entry_id: str) -> bool:
        """Whether the id is a stage with a place in the order."""
        return entry_id in self._index

    def next(self, stage: str) -> list[GlossaryEntry]:
        """The stage after; after the last, the stages it loops back to."""
        i = self._index[stage]
        if i + 1 < len(self.stages):
            return [self.stages[i + 1]]
        return self.loop(stage)

    def previous(self, stage: str) -> list[GlossaryEntry]:
        """The stage before (none before the first)."""
        i = self._index[stage]
        return [self.stages[i - 1]] if i > 0 else []

    def loop(self, stage: str | None = None) -> list[GlossaryEntry]:
        """Where the lifecycle goes back to after a stage (or after whichever stage loops)."""
        looping = [self.bank.glossary[stage]] if stage else []
        looping += [s for s in reversed(self.stages) if s.loops_to]
        for s in looping:
            if s.loops_to:
                return [self.bank.glossary[t] for t in s.loops_to if t in self.bank.glossary]
        return []

    def stages_of(self, entry: GlossaryEntry) -> list[GlossaryEntry]:
        """The stages an entry serves, in lifecycle order (a stage serves itself)."""
        if entry.kind is Kind.STAGE:
            return [entry]
        found = [self.stages[self._index[s]] for s in entry.stages if s in self._index]
        return sorted(found, key=lambda s: self._index[s.id])

    def asked_in(self, entry: GlossaryEntry, stage: str) -> int:
        """How many of the bank's questions at a stage are about the entry."""
        return sum(
            1
            for q in self.bank.questions.values()
            if q.stage == stage and (entry.id in q.tags or q.answer_ref == entry.id)
        )
