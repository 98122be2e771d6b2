"""Glossary search: exact names and abbreviations, typos, and plain-language descriptions."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from .bank import Bank
from .bank_schema import GlossaryEntry
from .views import LookupHit

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "this",
        "to",
        "use",
        "used",
        "using",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
        "me",
        "want",
        "need",
        "should",
        "there",
    ]
)
_VENDOR = re.compile(r"^(amazon|aws)\s+(sagemaker\s+)?")


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass(frozen=True)
class _Doc:
    entry: GlossaryEntry
    names: tuple[str, ...]
    terms: Counter[str]
    length: int


class Lookup:
    """An index over a bank's glossary, built once per bank."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self._docs: list[_Doc] = []
        self._names: list[str] = []
        self._name_doc: list[int] = []
        df: Counter[str] = Counter()
        for entry in bank.glossary.values():
            names = {
                utils.default_process(n) for n in (entry.name, *entry.aliases, entry.id.replace("-", " "))
            }
            names |= {_VENDOR.sub("", n) for n in names} | {_VENDOR.sub(r"\2", n).strip() for n in names}
            names.discard("")
            text = " ".join([entry.name, *entry.aliases, entry.definition, entry.analogy or ""])
            terms = Counter(_tokens(text))
            df.update(terms.keys())
            for name in names:
                self._names.append(name)
                self._name_doc.append(len(self._docs))
            self._docs.append(_Doc(entry, tuple(sorted(names)), terms, sum(terms.values())))
        count = max(len(self._docs), 1)
        self._idf = {t: math.log(1 + (count - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self._vocab = list(self._idf)
        self._name_words = [frozenset(n.split()) for n in self._names]
        self._name_vocab = sorted(set().union(*self._name_words))
        self._avg_len = sum(d.length for d in self._docs) / count

    def _name_scores(self, query: str) -> dict[int, float]:
        """Typos of a whole name score by similarity; typing part of a name scores by how much of it."""
        names = self._names
        similar = [0.0] * len(names)
        for scorer in (fuzz.ratio, fuzz.token_sort_ratio):  # both in one C++ pass each over all names
            for _, score, index in process.extract(query, names, scorer=scorer, limit=None):
                if score > similar[index]:
                    similar[index] = score
        # The words of names that each typed word matches: its start (while typing) or itself with a typo.
        words = query.split()
        matching = [self._words_matching(w) for w in words]
        short = len(query) <= 4
        scores: dict[int, float] = {}
        for index, (name, doc) in enumerate(zip(names, self._name_doc, strict=True)):
            if name == query:
                score = 100.0
            else:
                score = similar[index] * 0.8 if short else similar[index]  # short: exact names count fully
                if all(not m.isdisjoint(self._name_words[index]) for m in matching):
                    score = max(score, 80.0 + 15.0 * min(1.0, len(query) / len(name)))
            if score > scores.get(doc, 0.0):
                scores[doc] = score
        return {d: v for d, v in scores.items() if v >= 50}

    def _words_matching(self, word: str) -> set[str]:
        found = {n for n in self._name_vocab if len(word) >= 3 and n.startswith(word)}
        if len(word) >= 4:
            found.update(
                m[0]
                for m in process.extract(
                    word, self._name_vocab, scorer=fuzz.ratio, score_cutoff=80, limit=None
                )
            )
        return found

    def _text_scores(self, query: str) -> dict[int, float]:
        words = _tokens(query)
        if not words:
            return {}
        matched: list[tuple[str, float]] = []
        for word in words:
            if word in self._idf:
                matched.append((word, 1.0))
                continue
            best = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=80)
            if best is not None:
                matched.append((best[0], best[1] / 100))
        total_idf = sum(self._idf.get(w, max(self._idf.values(), default=1.0)) for w in words) or 1.0
        scores: dict[int, float] = {}
        k1, b = 1.2, 0.5
        for i, doc in enumerate(self._docs):
            value = 0.0
            for term, weight in matched:
                tf = doc.terms.get(term, 0)
                if tf:
                    norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc.length / self._avg_len))
                    value += weight * self._idf[term] * min(norm, 1.6) / 1.6
            if value:
                scores[i] = 90.0 * value / total_idf
        return scores

    def search(self, query: str, limit: int = 5) -> list[LookupHit]:
        """Best matches first; an empty list when nothing is close."""
        cleaned = utils.default_process(query)
        if not cleaned:
            return []
        names = self._name_scores(cleaned)
        texts = self._text_scores(cleaned)
        combined: dict[int, float] = {}
        for doc in names.keys() | texts.keys():
            hi, lo = sorted((names.get(doc, 0.0), texts.get(doc, 0.0)), reverse=True)
            combined[doc] = min(100.0, hi + 0.1 * lo)
        ranked = sorted(combined.items(), key=lambda kv: (-kv[1], self._docs[kv[0]].entry.name))
        return [self._hit(i, score) for i, score in ranked[:limit] if score >= 45]

    def complete(self, prefix: str, limit: int = 25) -> list[GlossaryEntry]:
        """Suggestions while typing: lifecycle stages first when nothing is typed."""
        if not prefix.strip():
            ordered = self.bank.stages() + sorted(
                (e for e in self.bank.glossary.values() if e.kind.value != "stage"),
                key=lambda e: e.name,
            )
            return ordered[:limit]
        return [hit.entry for hit in self.search(prefix, limit)]

    def _hit(self, index: int, score: float) -> LookupHit:
        entry = self._docs[index].entry
        return LookupHit(
            entry=entry,
            score=round(score, 1),
            stages=tuple(entry.stages),
            services=tuple(self.bank.services_for(entry)),
            questions=self.bank.question_counts.get(entry.id, 0),
        )
