"""The word channel: BM25 (bm25s, Snowball stemming by PyStemmer) over each entry's evidence.

bm25s and numpy are imported when the first lookup builds this index, not when the bot starts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WordMatch:
    """An entry's BM25 score (its best document) and the share of the query it explains."""

    score: float
    coverage: float


class WordIndex:
    """BM25 over documents that each speak for one entry; an entry scores as its best document."""

    def __init__(self, docs: Sequence[tuple[str, str]]) -> None:
        import bm25s
        import numpy as np
        import Stemmer

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at DEBUG
        self._np: Any = np
        self._tokenizer: Any = bm25s.tokenization.Tokenizer(
            stemmer=Stemmer.Stemmer("english"), stopwords="en"
        )
        tokens = self._tokenizer.tokenize([text for _, text in docs], return_as="tuple", show_progress=False)
        self._bm25: Any = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self.entries: list[str] = list(dict.fromkeys(entry for entry, _ in docs))
        position = {e: i for i, e in enumerate(self.entries)}
        self._owner: Any = np.array([position[entry] for entry, _ in docs], dtype=np.intp)
        holders: dict[int, set[int]] = {}
        for doc, doc_ids in enumerate(tokens.ids):
            for sid in set(doc_ids):
                holders.setdefault(sid, set()).add(int(self._owner[doc]))
        self._holders: dict[int, Any] = {
            sid: np.array(sorted(e), dtype=np.intp) for sid, e in holders.items()
        }
        # How much each known word can weigh in any document: rare, telling words weigh most.
        self._weight: dict[int, float] = {}
        ids = sorted(set(self._tokenizer.stem_to_sid.values()))
        for sid in ids:
            self._weight[sid] = float(self._bm25.get_scores([sid]).max())
        self._unknown_weight = max(self._weight.values(), default=1.0)

    def _by_entry(self, doc_scores: Any) -> Any:
        best = self._np.zeros(len(self.entries))
        self._np.maximum.at(best, self._owner, doc_scores)
        return best

    def _stems(self, query: str) -> list[str]:
        t = self._tokenizer
        words = t.splitter(query.lower())
        return [t.stemmer(w) for w in words if w not in t.stopwords]

    def unknown(self, query: str) -> list[str]:
        """The query's content words (stemmed) that no document of this bank contains."""
        return [s for s in self._stems(query) if s not in self._tokenizer.stem_to_sid]

    def match(self, query: str) -> dict[str, WordMatch]:
        """Entries with any word of the query, with their score and coverage."""
        stems = self._stems(query)
        ids = [self._tokenizer.stem_to_sid[s] for s in stems if s in self._tokenizer.stem_to_sid]
        if not ids:
            return {}
        total = self._by_entry(self._bm25.get_scores(ids))
        # Coverage: the weight of the query's words the entry contains, over the weight of all of them
        # (a word the bank never uses weighs as much as its most telling word).
        covered = self._np.zeros(len(self.entries))
        for sid in dict.fromkeys(ids):
            covered[self._holders[sid]] += self._weight[sid]
        whole = sum(self._weight[s] for s in dict.fromkeys(ids)) + self._unknown_weight * len(
            [s for s in stems if s not in self._tokenizer.stem_to_sid]
        )
        return {
            self.entries[i]: WordMatch(float(total[i]), float(covered[i] / whole))
            for i in self._np.flatnonzero(total > 0)
        }
