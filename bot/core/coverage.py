"""How well the bank covers the glossary, against the minimums the bank promises."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .bank import Bank
from .bank_schema import LETTERS, Difficulty, Kind, Style

MIN_PER_STAGE = 8  # questions whose stage is the stage
MIN_PER_SERVICE = 5  # questions whose correct answer is the service
MIN_PER_CONCEPT = 3  # questions tagged with the concept, metric, model source, method or MLOps idea
MAX_LETTER_SHARE = 0.30


@dataclass(frozen=True)
class Coverage:
    """Counts per glossary entry, and every shortfall against the minimums."""

    stages: dict[str, int]
    services: dict[str, int]
    service_tags: dict[str, int]
    concepts: dict[str, int]
    letters: dict[str, int]
    styles: dict[str, int]
    difficulties: dict[str, int]
    gaps: list[str]

    def to_json(self) -> dict[str, Any]:
        """Plain data for --json."""
        return dict(self.__dict__)


def coverage(bank: Bank) -> Coverage:
    """Count questions per stage, per service (as answer and as tag) and per concept; list the gaps."""
    qs = list(bank.questions.values())
    by_stage = Counter(q.stage for q in qs)
    answers = bank.answer_counts()
    tags = bank.question_counts
    stages = {e.id: by_stage.get(e.id, 0) for e in bank.stages()}
    services = {e.id: answers.get(e.id, 0) for e in bank.entries(Kind.SERVICE)}
    service_tags = {e.id: tags.get(e.id, 0) for e in bank.entries(Kind.SERVICE)}
    concept_kinds = [k for k in Kind if k not in (Kind.STAGE, Kind.SERVICE)]
    concepts = {e.id: tags.get(e.id, 0) for k in concept_kinds for e in bank.entries(k)}
    letters = Counter(LETTERS[q.answer_index] for q in qs)
    gaps = [
        f"stage {k}: {n} questions (minimum {MIN_PER_STAGE})" for k, n in stages.items() if n < MIN_PER_STAGE
    ]
    gaps += [
        f"service {k}: correct answer of {n} questions (minimum {MIN_PER_SERVICE})"
        for k, n in services.items()
        if n < MIN_PER_SERVICE
    ]
    gaps += [
        f"{k}: tagged on {n} questions (minimum {MIN_PER_CONCEPT})"
        for k, n in concepts.items()
        if n < MIN_PER_CONCEPT
    ]
    if qs:
        gaps += [
            f"answer letter {ch.upper()} is correct in {n / len(qs):.0%} of questions (maximum {MAX_LETTER_SHARE:.0%})"
            for ch, n in sorted(letters.items())
            if n / len(qs) > MAX_LETTER_SHARE
        ]
    return Coverage(
        stages=stages,
        services=services,
        service_tags=service_tags,
        concepts=concepts,
        letters={ch: letters.get(ch, 0) for ch in LETTERS if letters.get(ch)},
        styles={s.value: sum(q.style is s for q in qs) for s in Style},
        difficulties={d.value: sum(q.difficulty is d for q in qs) for d in Difficulty},
        gaps=gaps,
    )
