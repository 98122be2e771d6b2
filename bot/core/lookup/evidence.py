"""What speaks for each glossary entry: its own card, how learners ask for it, and the bank's questions."""

from __future__ import annotations

from ..bank import Bank


def documents(bank: Bank) -> list[tuple[str, str]]:
    """(entry id, text) pairs: one per card, one per asked_as phrase, one per question it answers.

    A scenario whose correct option names an entry (its answer_ref) is a situation in which that entry
    is the answer, so its prompt, the correct option with its reason and the explanation are evidence.
    """
    docs: list[tuple[str, str]] = []
    for e in bank.glossary.values():
        docs.append((e.id, " ".join([e.name, *e.aliases, e.definition, e.analogy or ""])))
        docs += [(e.id, phrase) for phrase in e.asked_as]
    for q in bank.questions.values():
        if q.answer_ref in bank.glossary:
            right = q.options[q.answer_index]
            docs.append((q.answer_ref, " ".join([q.prompt, right.text, right.why or "", q.explanation])))
    return docs
