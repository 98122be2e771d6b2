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

from ..bank_schema import LookupWords
from .evidence import Evidence, Field
from .learner import LearnerWords, Slot

WEIGHTS: Mapping[Field, float] = {Field.NAMES: 1.0, Field.CARD: 0.6, Field.ANALOGY: 0.6, Field.QUESTIONS: 0.3}
SPELLING = 80.0  # a word the bank lacks is read as a stem it holds when rapidfuzz's ratio is this high
RECURRING = 2  # a word of the questions speaks for an entry when at least this many of them use it


@dataclass(frozen=True)
class WordMatch:
    """An entry's weighted BM25 score and the share of the query's word weight its evidence holds."""

    score: float
    coverage: float
    held: int = 1  # how many of the query's words the entry's evidence holds
    known: float = 0.0  # the share of the weight of the query's words the bank knows that it holds
    unknown: int = 0  # how many of the query's words no entry holds (the same for every entry)
    typed: int = 1  # how many of the query's words the entry holds as typed (not through an equivalent)


class WordIndex:
    """BM25 over each entry's fields; coverage weighs each word by how few entries hold it (its IDF)."""

    def __init__(
        self,
        docs: Sequence[Evidence],
        weights: Mapping[Field, float] | None = None,
        learner: LookupWords | None = None,
    ) -> None:
        import bm25s
        import numpy as np
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at DEBUG
        self._np: Any = np
        self._tokenizer: Any = bm25s.tokenization.Tokenizer(
            stemmer=Stemmer.Stemmer("english"),
            stopwords=list(STOPWORDS_EN_PLUS) + [w.casefold() for w in (learner.filler if learner else ())],
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
        # Per word, for every entry at once: its weighted BM25 score, whether the entry holds it, its weight.
        self._vectors: Any = self._per_word(self._bm25, self._owner, self._field_weight)
        presence = self._per_word(self._presence, np.arange(len(held)), np.ones(len(held)))
        self._masks: Any = presence > 0
        self._weights: Any = presence.max(axis=1)  # a word's IDF over the entries
        self.learner = LearnerWords(learner or LookupWords(), self.phrase_stems)

    def phrase_stems(self, text: str) -> list[str]:
        """A text's content words, stemmed as the evidence is (no respelling)."""
        t = self._tokenizer
        return [t.stemmer(w) for w in t.splitter(text.lower()) if w not in t.stopwords]

    def weight(self, sid: int) -> float:
        """How telling a word is: its IDF over the entries (0 when no entry holds it)."""
        return float(self._presence.get_scores([sid]).max())

    def _slots(self, query: str) -> list[Slot]:
        """The query's content words, stemmed, as slots of the word table; a word outside the table that
        the bank lacks becomes the bank's closest spelling."""
        return self.learner.slots(list(dict.fromkeys(self.phrase_stems(query))), self._respelled)

    def _known_phrase(self, phrase: tuple[str, ...]) -> bool:
        sid = self._tokenizer.stem_to_sid
        return all(sid.get(s) in self._known for s in phrase)

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
        """The query's content words (stemmed) that no entry's evidence holds, nor an equivalent of them."""
        return [
            " ".join(slot.alternatives[0][0])
            for slot in self._slots(query)
            if not any(self._known_phrase(p) for p, _ in slot.alternatives)
        ]

    def _per_word(self, bm25: Any, owner: Any, weight: Any) -> Any:
        """A word x entry matrix of a BM25 index's scores (its CSC data), each document's score weighted and
        added to its entry's."""
        np = self._np
        scores = bm25.scores
        data, docs, indptr = scores["data"], scores["indices"], scores["indptr"]
        words = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        matrix = np.zeros((len(indptr) - 1, len(self.entries)))
        np.add.at(matrix, (words, owner[docs]), data * weight[docs])
        return matrix

    def _word(self, sid: int) -> tuple[Any, Any, float]:
        """A word's weighted score per entry, which entries hold it, and its weight."""
        return self._vectors[sid], self._masks[sid], float(self._weights[sid])

    def match(self, query: str) -> dict[str, WordMatch]:
        """Entries with any word of the query (or an equivalent), with their score and coverage.

        Each slot (a word, or a phrase of the word table) scores an entry by its best alternative; its
        weight is the word typed's (when some entry holds it, else its best equivalent's), and an entry
        holding an equivalent holds the slot for that equivalent's weight (at most the slot's).
        """
        np = self._np
        n = len(self.entries)
        total, credit = np.zeros(n), np.zeros(n)
        count, typed = np.zeros(n, dtype=np.intp), np.zeros(n, dtype=np.intp)
        whole = unknown_weight = 0.0
        unknown = 0
        for slot in self._slots(query):
            best, slot_credit, slot_weight = np.zeros(n), np.zeros(n), 0.0
            held = np.zeros(n, dtype=bool)
            typed_known = False
            for phrase, factor in slot.alternatives:
                ids = self._ids(list(phrase))
                if len(ids) < len(phrase):
                    continue  # a word of the phrase no entry holds
                words = [self._word(s) for s in ids]
                scale = factor * slot.size / len(words)  # a phrase counts as the words it stands for
                vector = scale * sum(w[0] for w in words)
                mask = np.logical_and.reduce([w[1] for w in words])
                weight = scale * sum(w[2] for w in words)
                np.maximum(best, vector, out=best)
                np.maximum(slot_credit, np.where(mask, weight, 0.0), out=slot_credit)
                held |= mask
                if factor == 1.0:
                    typed += np.where(mask, slot.size, 0)
                if factor == 1.0 or not typed_known:  # the word typed sets the slot's weight when known
                    slot_weight = max(slot_weight, weight)
                    typed_known = typed_known or factor == 1.0
            if slot_weight == 0.0:  # a word no entry holds weighs as much as the most telling one
                unknown += slot.size
                unknown_weight += self._unknown_weight * slot.size
                continue
            total += best
            credit += np.minimum(slot_credit, slot_weight)
            count += np.where(held, slot.size, 0)
            whole += slot_weight
        if whole == 0.0:
            return {}
        return {
            self.entries[i]: WordMatch(
                float(total[i]),
                float(credit[i] / (whole + unknown_weight)),
                int(count[i]),
                float(credit[i] / whole),
                unknown,
                int(typed[i]),
            )
            for i in np.flatnonzero(total > 0)
        }
