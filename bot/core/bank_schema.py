"""The question bank's schema: glossary entries and questions, as authors write them in YAML."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

LETTERS = "abcde"
_BANNED_OPTIONS = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.I)


def _not_a_catch_all(text: str) -> str:
    # Every option of every question passes here at load: the regex runs only on the few that say "of the".
    if "of the" in text.lower() and _BANNED_OPTIONS.search(text):
        raise ValueError("catch-all options ('all/none of the above') are not allowed")
    return text


class Kind(StrEnum):
    """What a glossary entry names."""

    STAGE = "stage"
    SERVICE = "service"
    CONCEPT = "concept"
    METRIC = "metric"
    MODEL_SOURCE = "model-source"
    PRODUCTION_METHOD = "production-method"
    MLOPS = "mlops"


class Difficulty(StrEnum):
    """How hard a question is; base points follow it."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Style(StrEnum):
    """Recall asks for a fact; scenario sets a short situation first, as the exam does."""

    RECALL = "recall"
    SCENARIO = "scenario"


class Depth(StrEnum):
    """Exam: at the AI Practitioner exam's level; deep: a sub-feature, API or setting beyond it."""

    EXAM = "exam"
    DEEP = "deep"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GlossaryEntry(_Strict):
    """A stage, service or concept people can look up, and that questions tag."""

    id: Id
    kind: Kind
    name: Text
    aliases: tuple[Text, ...] = ()
    definition: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]
    stages: tuple[Id, ...] = Field(default=(), description="Stages this entry serves or belongs to.")
    services: tuple[Id, ...] = Field(default=(), description="AWS services related to this entry.")
    order: int | None = Field(default=None, description="Position of a stage in the lifecycle.")
    analogy: Text | None = None
    docs: HttpUrl | None = Field(default=None, description="AWS documentation link.")
    note: Text | None = Field(
        default=None, description="Where a source note differs from AWS's documentation, and how."
    )
    asked_as: tuple[Text, ...] = Field(
        default=(), description="How learners phrase a need this entry answers, for lookup."
    )
    loops_to: tuple[Id, ...] = Field(
        default=(), description="Stages the lifecycle goes back to after this stage (a loop)."
    )


class Option(_Strict):
    """One answer choice; wrong ones must say why they are wrong."""

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
        AfterValidator(_not_a_catch_all),
    ]
    correct: bool = False
    why: Text | None = Field(default=None, description="Why this option is right or wrong.")


class Question(_Strict):
    """A multiple-choice question with exactly one correct option."""

    id: Id
    stage: Id
    services: tuple[Id, ...] = ()
    concepts: tuple[Id, ...] = ()
    answer_ref: Id | None = Field(
        default=None, description="Glossary id of what the correct option names, if it names one."
    )
    difficulty: Difficulty
    style: Style = Style.RECALL
    depth: Depth = Field(
        default=Depth.EXAM,
        description="exam: what the exam asks; deep: a sub-feature, API name or setting above the exam's level.",
    )
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)]
    options: tuple[Option, ...] = Field(min_length=2, max_length=5)
    explanation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10)]

    @model_validator(mode="after")
    def _one_correct_and_reasons(self) -> Question:
        correct = [i for i, o in enumerate(self.options) if o.correct]
        if len(correct) != 1:
            raise ValueError(f"exactly one option must be correct, found {len(correct)}")
        texts = [o.text.casefold() for o in self.options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options have the same text")
        missing = [LETTERS[i].upper() for i, o in enumerate(self.options) if not o.correct and not o.why]
        if missing:
            raise ValueError(f"wrong option(s) {', '.join(missing)} need a 'why'")
        return self

    @property
    def answer_index(self) -> int:
        """Index of the correct option."""
        return next(i for i, o in enumerate(self.options) if o.correct)

    @property
    def tags(self) -> tuple[str, ...]:
        """Every glossary id the question is about."""
        return (self.stage, *self.services, *self.concepts)


Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]


class Cue(_Strict):
    """Words that place a need in the lifecycle ("before training"): lookup weighs up these stages' entries."""

    words: tuple[Term, ...] = Field(min_length=1, description="Phrases, each matched as whole words.")
    stages: tuple[Id, ...] = Field(min_length=1, description="The stages a query with the phrase is about.")
    strip: bool = Field(
        default=False,
        description="Take the phrase out of the query's words ('before training' is not about training).",
    )


class LookupWords(_Strict):
    """Learners' words for lookup: groups of words and phrases read as one another, and lifecycle cues."""

    same: tuple[Annotated[tuple[Term, ...], Field(min_length=2)], ...] = Field(
        default=(), description="Each group: words or phrases a learner uses for the same thing."
    )
    cues: tuple[Cue, ...] = ()
    filler: tuple[Term, ...] = Field(
        default=(), description="Words that say nothing about a need ('someone', 'please'): not evidence."
    )
    outside: tuple[Term, ...] = Field(
        default=(),
        description="AWS services and tech terms this bank does not cover: a query naming one (and no glossary"
        " entry) gets no card, as not covered.",
    )


class BankFile(_Strict):
    """One YAML file of the bank: glossary entries, questions, or both (and lookup's learner words)."""

    glossary: tuple[GlossaryEntry, ...] = ()
    questions: tuple[Question, ...] = ()
    lookup: LookupWords | None = None
