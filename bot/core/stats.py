"""Pure per-player statistics: accuracy by stage and by service, and the weakest stage."""

from __future__ import annotations

from collections.abc import Iterable

from .bank import Bank
from .bank_schema import Kind
from .records import AnswerFact
from .views import Accuracy

MIN_FOR_WEAKEST = 2


def credited_services(fact: AnswerFact, bank: Bank) -> tuple[str, ...]:
    """The services an answer counts toward: only those the question is about, not every service it tags."""
    # Rule: its answer_ref if a service (its tags also list wrong options' services), else every service it tags.
    ref = fact.answer_ref
    if ref is not None:
        entry = bank.glossary.get(ref)
        if ref in fact.services or (entry is not None and entry.kind is Kind.SERVICE):
            return (ref,)
    return fact.services


def accuracy_by(facts: Iterable[AnswerFact], bank: Bank) -> tuple[list[Accuracy], list[Accuracy]]:
    """(by stage in lifecycle order, by service by name) for a player's scored answers."""
    stage_counts: dict[str, list[int]] = {}
    service_counts: dict[str, list[int]] = {}
    for fact in facts:
        credited = credited_services(fact, bank)
        for key, table in [(fact.stage, stage_counts)] + [(s, service_counts) for s in credited]:
            row = table.setdefault(key, [0, 0])
            row[0] += int(fact.correct)
            row[1] += 1

    def name(key: str) -> str:
        entry = bank.glossary.get(key)
        return entry.name if entry else key

    order = {e.id: i for i, e in enumerate(bank.stages())}
    stages = sorted(
        (Accuracy(k, name(k), c, n) for k, (c, n) in stage_counts.items()),
        key=lambda a: (order.get(a.key, 999), a.name),
    )
    services = sorted(
        (Accuracy(k, name(k), c, n) for k, (c, n) in service_counts.items()), key=lambda a: a.name
    )
    return stages, services


def weakest(stages: Iterable[Accuracy]) -> Accuracy | None:
    """The stage with the lowest accuracy among those answered at least twice (fewest answers loses ties)."""
    eligible = [a for a in stages if a.answered >= MIN_FOR_WEAKEST]
    if not eligible:
        return None
    return min(eligible, key=lambda a: (a.ratio, -a.answered, a.name))
