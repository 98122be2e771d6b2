"""What speaks for each glossary entry: its names, its card, and the bank's questions it answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..bank import Bank
from .names import joined


class Field(StrEnum):
    """Where a piece of evidence comes from; the word index weighs each field differently."""

    NAMES = "names"  # name, aliases and asked_as phrases: how people refer to the entry
    CARD = "card"  # definition
    ANALOGY = "analogy"  # the course's analogy (the assembly line, the Infinite Warehouse)
    QUESTIONS = "questions"  # the bank's questions whose correct option is the entry


TITLE_WORDS = 3  # an analogy opening "The Data Plumber: ..." gives the entry that nickname


@dataclass(frozen=True)
class Evidence:
    """One text that speaks for one entry."""

    entry: str
    field: Field
    text: str


def documents(bank: Bank) -> list[Evidence]:
    """The evidence of every entry: its names, its card, and one text per question it answers.

    A scenario whose correct option names an entry (its answer_ref) is a situation in which that entry
    is the answer, so its prompt, the correct option with its reason and the explanation are evidence.
    """
    docs: list[Evidence] = []
    for e in bank.glossary.values():
        title, colon, _ = (e.analogy or "").partition(":")
        nickname = title if colon and len(title.split()) <= TITLE_WORDS else ""  # "The Supervisor: ..."
        docs.append(Evidence(e.id, Field.NAMES, " ".join([e.name, *e.aliases, nickname, *e.asked_as])))
        docs.append(Evidence(e.id, Field.CARD, e.definition))
        if e.analogy:  # labelled, so that "the ... in the analogy" finds analogies
            docs.append(Evidence(e.id, Field.ANALOGY, "analogy: " + e.analogy))
    for q in bank.questions.values():
        if q.answer_ref in bank.glossary:
            right = q.options[q.answer_index]
            text = " ".join([q.prompt, right.text, right.why or "", q.explanation])
            docs.append(Evidence(q.answer_ref, Field.QUESTIONS, text))
    return [Evidence(d.entry, d.field, joined(d.text)) for d in docs]
