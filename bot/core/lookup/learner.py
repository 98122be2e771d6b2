"""Learners' words (the bank's `lookup` section): equivalent words read as one another, lifecycle cues.

A query's stemmed words become slots. A word, or a phrase of the word table, found in the query is one
slot whose alternatives are every word and phrase of its group: the word typed counts in full, the
others at SAME of their score ("overnight" also finds "offline"). A cue ("before training") is taken
names the stages the need belongs to, and the engine weighs those up; a cue marked `strip` is taken out
of the query's words ("before training" is not about training).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..bank_schema import LookupWords
from .names import clean

SAME = 0.8  # an equivalent word weighs this share of the word typed
LONGEST = 4  # the longest phrase of the table, in stems, looked for in a query


@dataclass(frozen=True)
class Slot:
    """One word of the query, or one phrase of the table: the stems that may stand for it, each a phrase
    (a tuple of stems) with its factor; `size` is how many of the query's words it takes."""

    alternatives: tuple[tuple[tuple[str, ...], float], ...]
    size: int = 1


class LearnerWords:
    """The word table, stemmed as the word index stems, and the lifecycle cues."""

    def __init__(self, words: LookupWords, stems: Callable[[str], list[str]]) -> None:
        self.groups: list[list[tuple[str, ...]]] = []
        self._group: dict[tuple[str, ...], int] = {}
        self.conflicts: list[str] = []  # words whose stems another group already holds (the first wins)
        for group in words.same:
            index = len(self.groups)
            phrases: list[tuple[str, ...]] = []
            for term in group:
                stemmed = tuple(stems(term))[:LONGEST]
                if not stemmed:
                    self.conflicts.append(f"{term!r}: only stop words")
                    continue
                owner = self._group.setdefault(stemmed, index)
                if owner != index:
                    self.conflicts.append(f"{term!r}: stems as a word of group {owner + 1}")
                elif stemmed not in phrases:
                    phrases.append(stemmed)
            self.groups.append(phrases)
        self.cues = [(_pattern(cue.words), frozenset(cue.stages), cue.strip) for cue in words.cues]
        self._outside = _pattern(words.outside, plural=True) if words.outside else None

    def slots(self, stems: Sequence[str], respell: Callable[[str], str]) -> list[Slot]:
        """The query's stems as slots: the longest phrase of the table starting at each word is taken; a
        word outside the table is respelled (a typo, another form) and looked up again."""
        found: list[Slot] = []
        i = 0
        while i < len(stems):
            size = next(
                (
                    k
                    for k in range(min(LONGEST, len(stems) - i), 0, -1)
                    if tuple(stems[i : i + k]) in self._group
                ),
                0,
            )
            typed = tuple(stems[i : i + size]) if size else (respell(stems[i]),)
            found.append(self._slot(typed, max(size, 1)))
            i += max(size, 1)
        return found

    def _slot(self, typed: tuple[str, ...], size: int) -> Slot:
        group = self._group.get(typed)
        if group is None:
            return Slot(((typed, 1.0),), size)
        others = [(p, SAME) for p in self.groups[group] if p != typed]
        return Slot(((typed, 1.0), *others), size)

    def cue(self, cleaned: str) -> tuple[str, frozenset[str]]:
        """The query without the cues that are no evidence, and the stages its cues name (none: no cue)."""
        stages: set[str] = set()
        for pattern, cue_stages, strip in self.cues:
            rest = pattern.sub(" ", cleaned)
            if rest != cleaned and rest.strip():
                stages |= cue_stages
                cleaned = rest if strip else cleaned
        return " ".join(cleaned.split()), frozenset(stages)

    def outside(self, cleaned: str) -> tuple[list[str], str]:
        """The terms of the outside list a cleaned query names (products this bank does not cover), and the
        query without them."""
        if self._outside is None:
            return [], cleaned
        found = [m.group(1) for m in self._outside.finditer(cleaned)]
        return found, " ".join(self._outside.sub(" ", cleaned).split()) if found else cleaned


def _pattern(terms: Sequence[str], plural: bool = False) -> re.Pattern[str]:
    phrases = sorted((clean(w) for w in terms), key=len, reverse=True)
    ending = r"(?:e?s)?" if plural else ""
    return re.compile(
        r"\b(" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + ")" + ending + r"\b"
    )
