"""The word channel: BM25 (bm25s, Snowball stemming by PyStemmer) over each entry's evidence, by field.

Each entry has one document per field (names, card, questions), scored by BM25 and summed with the
field's weight: how people name an entry weighs most, its definition next, the bank's questions least.
A word of the questions counts for an entry only when several of its questions use it (RECURRING): a
word named in passing in one scenario ("Redshift Spectrum", "Terraform") says nothing about the entry.

bm25s and numpy are imported when the first lookup builds this index, not when the bot starts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from .evidence import Evidence, Field

WEIGHTS: Mapping[Field, float] = {Field.NAMES: 1.0, Field.CARD: 0.6, Field.ANALOGY: 0.6, Field.QUESTIONS: 0.3}
SPELLING = 80.0  # a word the bank lacks is read as a stem it holds when rapidfuzz's ratio is this high
RECURRING = 2  # a word of the questions speaks for an entry when at least this many of them use it


@dataclass(frozen=True)
class WordMatch:
    """An entry's weighted BM25 score and the share of the query's word weight its evidence holds."""

    score: float
    coverage: float
    held: int = 1  # how many of the query's words the entry's evidence holds


class WordIndex:
    """BM25 over each entry's fields; coverage weighs each word by how few entries hold it (its IDF)."""

    def __init__(self, docs: Sequence[Evidence], weights: Mapping[Field, float] | None = None) -> None:
        import bm25s
        import numpy as np
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at DEBUG
        self._np: Any = np
        self._tokenizer: Any = bm25s.tokenization.Tokenizer(
            stemmer=Stemmer.Stemmer("english"), stopwords=list(STOPWORDS_EN_PLUS)
        )
        tokens = self._tokenizer.tokenize([d.text for d in docs], return_as="tuple", show_progress=False)
        self.entries: list[str] = list(dict.fromkeys(d.entry for d in docs))
        fields: dict[tuple[str, Field], list[int]] = {}
        asked: dict[str, Counter[int]] = {}  # per entry: in how many of its questions each word appears
        for doc, ids in zip(docs, tokens.ids, strict=True):
            if doc.field is Field.QUESTIONS:
                asked.setdefault(doc.entry, Counter()).update(set(ids))
            else:
                fields.setdefault((doc.entry, doc.field), []).extend(ids)
        for entry, counts in asked.items():  # a recurring word weighs as the number of questions using it
            fields[entry, Field.QUESTIONS] = [
                s for s, n in counts.items() if n >= RECURRING for _ in range(n)
            ]
        weights = weights or WEIGHTS
        corpus, owner, weight = [], [], []
        for i, entry in enumerate(self.entries):
            for field in Field:
                corpus.append(fields.get((entry, field), []))
                owner.append(i)
                weight.append(weights[field])
        vocab = tokens.vocab
        self._bm25: Any = bm25s.BM25()
        self._bm25.index(bm25s.tokenization.Tokenized(ids=corpus, vocab=vocab), show_progress=False)
        self._owner: Any = np.array(owner, dtype=np.intp)
        self._field_weight: Any = np.array(weight)
        # Which entries hold each word: with k1=0 a BM25 score is the sum of the IDFs of the words held.
        held = [sorted({s for f in Field for s in fields.get((e, f), ())}) for e in self.entries]
        self._presence: Any = bm25s.BM25(k1=0.0)
        self._presence.index(bm25s.tokenization.Tokenized(ids=held, vocab=vocab), show_progress=False)
        holders = Counter(s for doc in held for s in doc)
        self._known: set[int] = set(holders)
        self._known_stems = sorted(stem for stem, sid in vocab.items() if sid in self._known)
        where: dict[int, list[int]] = {}
        for i, words in enumerate(held):
            for s in words:
                where.setdefault(s, []).append(i)
        self._holders = {s: np.array(e, dtype=np.intp) for s, e in where.items()}
        rarest = min(holders, key=lambda s: holders[s], default=None)
        self._unknown_weight = self.weight(rarest) if rarest is not None else 1.0

    def weight(self, sid: int) -> float:
        """How telling a word is: its IDF over the entries (0 when no entry holds it)."""
        return float(self._presence.get_scores([sid]).max())

    def _stems(self, query: str) -> list[str]:
        """The query's content words, stemmed; one the bank lacks becomes the bank's closest spelling."""
        t = self._tokenizer
        stems = [t.stemmer(w) for w in t.splitter(query.lower()) if w not in t.stopwords]
        return list(dict.fromkeys(self._respelled(s) for s in stems))

    def _respelled(self, stem: str) -> str:
        """A stem no entry holds, as the closest one some entry holds ("gpus" -> "gpu", "infrence")."""
        if len(stem) < 4 or self._tokenizer.stem_to_sid.get(stem) in self._known:
            return stem
        # Another form of the same word: one is the other plus an ending ("cheapli", "gpus").
        forms = [s for s in self._known_stems if stem.startswith(s) or s.startswith(stem)]
        found = process.extractOne(stem, forms, scorer=fuzz.ratio, score_cutoff=SPELLING)
        return str(found[0]) if found else stem

    def _ids(self, stems: list[str]) -> list[int]:
        sid = self._tokenizer.stem_to_sid
        return [sid[s] for s in stems if s in sid and sid[s] in self._known]

    def unknown(self, query: str) -> list[str]:
        """The query's content words (stemmed) that no entry's evidence holds."""
        sid = self._tokenizer.stem_to_sid
        return [s for s in self._stems(query) if sid.get(s) not in self._known]

    def match(self, query: str) -> dict[str, WordMatch]:
        """Entries with any word of the query, with their score and coverage."""
        stems = self._stems(query)
        ids = self._ids(stems)
        if not ids:
            return {}
        np = self._np
        total = np.zeros(len(self.entries))
        np.add.at(total, self._owner, self._bm25.get_scores(ids) * self._field_weight)
        covered = self._presence.get_scores(ids)
        count = np.zeros(len(self.entries), dtype=np.intp)
        for s in ids:
            count[self._holders[s]] += 1
        # A word no entry holds weighs as much as the most telling word the bank has.
        whole = sum(self.weight(s) for s in ids) + self._unknown_weight * (len(stems) - len(ids))
        return {
            self.entries[i]: WordMatch(float(total[i]), float(covered[i] / whole), int(count[i]))
            for i in np.flatnonzero(total > 0)
        }
