"""The name channel: glossary names and aliases matched with rapidfuzz (whole names, typos, typing)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

from ..bank_schema import GlossaryEntry

_VENDOR = re.compile(r"^(amazon|aws)\s+(sagemaker\s+)?")
_BRACKETS = re.compile(r"\s*\(([^)]*)\)")


_LETTERS = re.compile(r"\b(\w) (?=\w\b)")  # single letters or digits in a row: "f 1", "a b"
_PAIRED = re.compile(r"\b(\w)[/-](?=\w\b)")  # the same in a text: "A/B", "F-1"


def joined(text: str) -> str:
    """A text with paired single characters written as one word ("A/B test" is "AB test"), as queries are."""
    return _PAIRED.sub(r"\1", text)


def clean(text: str) -> str:
    """Lower case, punctuation to spaces, trimmed, single characters in a row joined ("F-1" is "f1", "A/B"
    is "ab"): how names and queries are compared."""
    return _LETTERS.sub(r"\1", str(utils.default_process(text)))


def _forms(entry: GlossaryEntry) -> set[str]:
    raw = [entry.name, *entry.aliases, entry.id.replace("-", " ")]
    # "Exploratory data analysis (EDA)" is also "Exploratory data analysis" and "EDA".
    raw += [_BRACKETS.sub("", n) for n in raw] + [m for n in raw for m in _BRACKETS.findall(n)]
    names = {clean(n) for n in raw}
    names |= {_VENDOR.sub("", n) for n in names} | {_VENDOR.sub(r"\2", n).strip() for n in names}
    names.discard("")
    return names


class NameIndex:
    """Every name and alias of every entry, for similarity search."""

    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self.names: list[str] = []
        self.owner: list[str] = []
        for entry in entries:
            for name in sorted(_forms(entry)):
                self.names.append(name)
                self.owner.append(entry.id)
        self._words = [frozenset(n.split()) for n in self.names]
        self._phrases = {tuple(n.split()) for n in self.names}
        self._longest = max((len(p) for p in self._phrases), default=0)
        self.vocab = sorted(set().union(*self._words))

    def scores(self, query: str) -> dict[str, float]:
        """0-100 per entry: 100 for an exact name, high for a typo or the start of a name, none below 50."""
        names = self.names
        similar = [0.0] * len(names)
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):  # one C++ pass each over all names
            for _, score, index in process.extract(query, names, scorer=scorer, limit=None):
                similar[index] = max(similar[index], score)
        # The name words each typed word matches: its start (while typing) or itself with a typo.
        matching = [self.words_matching(w) for w in query.split()]
        short = len(query) <= 4
        found: dict[str, float] = {}
        for index, name in enumerate(names):
            if name == query:
                score = 100.0
            else:
                score = similar[index] * 0.8 if short else similar[index]  # short: exact names count fully
                if all(not m.isdisjoint(self._words[index]) for m in matching):
                    score = max(score, 80.0 + 15.0 * min(1.0, len(query) / len(name)))
                score += similar[index] / 1000  # equal scores: the closer spelling first
            owner = self.owner[index]
            if score > found.get(owner, 0.0):
                found[owner] = score
        return {e: v for e, v in found.items() if v >= 50}

    def words_matching(self, word: str) -> set[str]:
        """Name words that start with `word` (3+ letters) or are `word` with a typo (4+ letters)."""
        found = {n for n in self.vocab if len(word) >= 3 and n.startswith(word)}
        if len(word) >= 4:
            found.update(
                m[0]
                for m in process.extract(word, self.vocab, scorer=fuzz.ratio, score_cutoff=80, limit=None)
            )
        return found

    def named(self, query: str) -> bool:
        """Whether a cleaned query holds some entry's name or alias as whole words."""
        words = query.split()
        return any(
            tuple(words[i : i + n]) in self._phrases
            for n in range(1, self._longest + 1)
            for i in range(len(words) - n + 1)
        )

    def known(self, word: str) -> bool:
        """Whether a typed word is, or is close to, a word of some name."""
        return bool(self.words_matching(word)) or word in self.vocab
