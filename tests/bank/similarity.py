"""Same-key near-duplicates by what a question teaches: TF-IDF cosine over its key's why and its explanation.

A question's prompt is its scenario; the fact it tests is written in the key's `why` and the explanation. Words are
lower-cased, stop words dropped and Snowball-stemmed (PyStemmer); weights are sublinear tf times smoothed idf over
the whole bank, so a service name shared by every question that keys it weighs less than a phrase two share.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable

import Stemmer

from bot.core.bank_schema import Question

STOP = frozenset(
    re.findall(
        r"\w+",
        """a an the of to in on for and or with by from its it is are be as at this that these those each which what
    who how when where why than then so not no but if into over about has have had can could should would will
    their they them our we you your his her she he was were been more most any all some one two own only also
    does do did""",
    )
)
_STEM = Stemmer.Stemmer("english")


def answer(q: Question) -> str:
    """What a question keys: its answer_ref, else the text of its correct option."""
    return q.answer_ref or q.options[q.answer_index].text.casefold()


def teaching(q: Question) -> str:
    return f"{q.options[q.answer_index].why or ''} {q.explanation}"


def tokens(text: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]
    return _STEM.stemWords(words)


def vectors(docs: list[list[str]]) -> list[dict[str, float]]:
    df = Counter(w for d in docs for w in set(d))
    n = len(docs)
    out = []
    for d in docs:
        v = {w: (1 + math.log(c)) * (math.log((n + 1) / (df[w] + 1)) + 1) for w, c in Counter(d).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({w: x / norm for w, x in v.items()})
    return out


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def same_key_scores(qs: Iterable[Question]) -> dict[tuple[str, str], float]:
    """Cosine of every same-key pair, ids sorted, idf taken over all the questions given."""
    qs = list(qs)
    vs = dict(zip((q.id for q in qs), vectors([tokens(teaching(q)) for q in qs]), strict=True))
    return {
        tuple(sorted((a.id, b.id))): cosine(vs[a.id], vs[b.id])
        for a, b in itertools.combinations(qs, 2)
        if answer(a) == answer(b)
    }
