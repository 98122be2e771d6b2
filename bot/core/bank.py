"""The validated bank in memory: glossary and questions with the indexes the engine needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .bank_schema import BankFile, Difficulty, GlossaryEntry, Kind, LookupWords, Question


class Bank:
    """An immutable view of the glossary and questions, indexed by id, stage and tag."""

    def __init__(
        self,
        glossary: Iterable[GlossaryEntry],
        questions: Iterable[Question],
        lookup: LookupWords | None = None,
    ) -> None:
        self.glossary: dict[str, GlossaryEntry] = {e.id: e for e in glossary}
        self.questions: dict[str, Question] = {q.id: q for q in questions}
        self.lookup = lookup or LookupWords()  # learner words and lifecycle cues for lookup
        self.question_counts: Counter[str] = Counter(
            tag for q in self.questions.values() for tag in set(q.tags)
        )

    def stages(self) -> list[GlossaryEntry]:
        """Lifecycle stages in lifecycle order."""
        found = [e for e in self.glossary.values() if e.kind is Kind.STAGE]
        return sorted(found, key=lambda e: (e.order if e.order is not None else 999, e.name))

    def entries(self, kind: Kind) -> list[GlossaryEntry]:
        """Glossary entries of one kind, by name."""
        return sorted((e for e in self.glossary.values() if e.kind is kind), key=lambda e: e.name)

    def services_for(self, entry: GlossaryEntry) -> list[str]:
        """Services related to an entry: its own list, plus for a stage every service serving it."""
        found = list(entry.services)
        if entry.kind is Kind.STAGE:
            found += [e.id for e in self.entries(Kind.SERVICE) if entry.id in e.stages]
        return list(dict.fromkeys(found))

    def pool(
        self,
        stages: Sequence[str] = (),
        difficulties: Sequence[Difficulty | str] = (),
        tag: str | None = None,
    ) -> list[Question]:
        """Questions matching every filter given (an empty filter matches all)."""
        wanted_d = {Difficulty(d) for d in difficulties}
        return [
            q
            for q in self.questions.values()
            if (not stages or q.stage in stages)
            and (not wanted_d or q.difficulty in wanted_d)
            and (tag is None or tag in q.tags)
        ]

    def answer_entry(self, question: Question) -> GlossaryEntry | None:
        """The entry the correct option names: its answer_ref, or the stage a "which stage" answer names."""
        if question.answer_ref in self.glossary:
            return self.glossary[question.answer_ref]
        right = question.options[question.answer_index].text.casefold()
        for stage in self.stages():
            if right in {n.casefold() for n in (stage.name, *stage.aliases)}:
                return stage
        return None

    def answer_counts(self) -> Counter[str]:
        """How many questions have each glossary entry as their correct answer."""
        return Counter(q.answer_ref for q in self.questions.values() if q.answer_ref)

    def to_json(self) -> dict[str, Any]:
        """The bank as plain JSON-ready data, in the same shape as the YAML files."""
        data = BankFile(
            glossary=tuple(self.glossary.values()),
            questions=tuple(self.questions.values()),
            lookup=self.lookup if self.lookup != LookupWords() else None,
        )
        return data.model_dump(mode="json", exclude_none=True)
