"""Question analytics for the people who keep the bank: difficulty, distractors and discrimination.

Discrimination is the point-biserial correlation between getting this question right (1/0) and the
person's accuracy on every other question they answered (the "rest" score, so an item does not correlate
with itself): Pearson's r over those pairs, computed from running sums so that storage can total them in
SQL over a million answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import sqrt
from typing import Any

TOO_EASY = 0.9  # share correct at or above which a question teaches little
TOO_HARD = 0.3  # share correct below which a four-option question is near guessing
LOW_PICK = 0.0  # a distractor picked by no one is doing no work


@dataclass(frozen=True)
class AnswerFact:
    """One stored answer, as analytics needs it."""

    question_id: str
    player: str
    option: int
    correct: bool


@dataclass(frozen=True)
class QuestionAnalytics:
    """One question's figures over the answers given to it."""

    question_id: str
    answered: int
    correct_share: float
    pick_share: tuple[float, ...]  # per option, in option order
    most_picked_wrong: int | None  # option index, None when nobody answered wrong
    discrimination: float | None  # None when it cannot be computed (everyone right, or one person)
    flags: tuple[str, ...] = field(default=())


@dataclass
class QuestionTally:
    """What analytics needs of one question's answers: picks per option and the sums behind the correlation.

    `n`, `sx`, `sy`, `syy`, `sxy` run over the answers whose person answered something else too (x: this
    answer right = 1; y: that person's share right on their other answers)."""

    question_id: str
    picks: Counter[int] = field(default_factory=Counter)
    right: int = 0
    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0

    @property
    def answered(self) -> int:
        """How many answered."""
        return sum(self.picks.values())


def tally(answers: Iterable[AnswerFact]) -> dict[str, QuestionTally]:
    """Per-question tallies from answers (storage computes the same sums in SQL over large tables)."""
    rows = list(answers)
    right: Counter[str] = Counter()
    given: Counter[str] = Counter()
    for a in rows:
        given[a.player] += 1
        right[a.player] += a.correct
    found: dict[str, QuestionTally] = {}
    for a in rows:
        t = found.setdefault(a.question_id, QuestionTally(a.question_id))
        t.picks[a.option] += 1
        t.right += a.correct
        others = given[a.player] - 1
        if others > 0:  # a person whose only answer is this one has no rest score
            x, y = float(a.correct), (right[a.player] - a.correct) / others
            t.n += 1
            t.sx += x
            t.sy += y
            t.syy += y * y
            t.sxy += x * y
    return found


def tallies_from_sums(rows: Iterable[Sequence[Any]]) -> dict[str, QuestionTally]:
    """Tallies from storage's sums, a row per question and source: (question id, answered, right, picks of
    options 0-4, answers with a rest score, right among them, sum y, sum y squared, sum x*y)."""
    found: dict[str, QuestionTally] = {}
    for row in rows:
        t = found.setdefault(str(row[0]), QuestionTally(str(row[0])))
        t.right += int(row[2] or 0)
        for option in range(5):
            t.picks[option] += int(row[3 + option] or 0)
        t.n += int(row[8] or 0)
        t.sx += float(row[9] or 0)
        t.sy += float(row[10])
        t.syy += float(row[11])
        t.sxy += float(row[12])
    for t in found.values():
        t.picks = +t.picks  # drop the options nobody picked
    return found


def _pearson(t: QuestionTally) -> float | None:
    """Pearson's r of (x, y) from the sums (x is 0/1, so the sum of x squared is the sum of x)."""
    if t.n < 2:
        return None
    vx = t.n * t.sx - t.sx * t.sx
    vy = t.n * t.syy - t.sy * t.sy
    if vx <= 1e-12 or vy <= 1e-12:  # everyone right, everyone wrong, or equal rest scores
        return None
    return (t.n * t.sxy - t.sx * t.sy) / sqrt(vx * vy)


def figures(t: QuestionTally, n_options: int, key: int | None) -> QuestionAnalytics:
    """One question's figures and flags from its tally."""
    n = t.answered
    wrong = [(count, -opt) for opt, count in t.picks.items() if opt != key and count > 0]
    disc = _pearson(t)
    share = t.right / n if n else 0.0
    flags = []
    if share >= TOO_EASY:
        flags.append("too easy")
    if share < TOO_HARD:
        flags.append("too hard")
    if any(t.picks.get(i, 0) / n <= LOW_PICK for i in range(n_options) if i != key):
        flags.append("distractor nobody picks")
    if disc is not None and disc < 0:
        flags.append("negative discrimination")
    return QuestionAnalytics(
        question_id=t.question_id,
        answered=n,
        correct_share=share,
        pick_share=tuple(t.picks.get(i, 0) / n for i in range(n_options)),
        most_picked_wrong=-max(wrong)[1] if wrong else None,
        discrimination=disc,
        flags=tuple(flags),
    )


def analyse(
    tallies: dict[str, QuestionTally] | Iterable[AnswerFact],
    options: dict[str, int],
    correct_option: dict[str, int],
    min_answers: int = 1,
) -> list[QuestionAnalytics]:
    """Figures for every question of the bank with at least `min_answers` answers, hardest first."""
    found = tallies if isinstance(tallies, dict) else tally(tallies)
    out = [
        figures(t, options[qid], correct_option.get(qid))
        for qid, t in found.items()
        if t.answered >= max(1, min_answers) and qid in options
    ]
    out.sort(key=lambda q: (q.correct_share, q.question_id))
    return out
