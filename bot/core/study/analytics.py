"""Question analytics for the people who keep the bank: difficulty, distractors and discrimination.

Discrimination is the point-biserial correlation between getting this question right (1/0) and the
person's accuracy on every other question they answered (the "rest" score, so an item does not correlate
with itself); the Pearson correlation of the standard library computes it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import StatisticsError, correlation

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


def analyse(
    answers: Iterable[AnswerFact],
    options: dict[str, int],
    correct_option: dict[str, int],
    min_answers: int = 1,
) -> list[QuestionAnalytics]:
    """Figures for every question with at least `min_answers` answers, hardest first."""
    by_question: dict[str, list[AnswerFact]] = defaultdict(list)
    right: Counter[str] = Counter()
    given: Counter[str] = Counter()
    for a in answers:
        by_question[a.question_id].append(a)
        given[a.player] += 1
        right[a.player] += a.correct
    found = []
    for qid, rows in by_question.items():
        if len(rows) < min_answers or qid not in options:
            continue
        found.append(_one(qid, rows, options[qid], correct_option.get(qid), right, given))
    found.sort(key=lambda q: (q.correct_share, q.question_id))
    return found


def _one(
    qid: str,
    rows: list[AnswerFact],
    n_options: int,
    key: int | None,
    right: Counter[str],
    given: Counter[str],
) -> QuestionAnalytics:
    picks = Counter(a.option for a in rows)
    n = len(rows)
    correct = sum(a.correct for a in rows)
    wrong = [(count, -opt) for opt, count in picks.items() if opt != key]
    most_wrong = -max(wrong)[1] if wrong else None
    item, rest = [], []
    for a in rows:
        others = given[a.player] - 1
        if others > 0:  # a person whose only answer is this one has no rest score
            item.append(1.0 if a.correct else 0.0)
            rest.append((right[a.player] - a.correct) / others)
    try:
        disc: float | None = correlation(item, rest) if len(item) >= 2 else None
    except StatisticsError:  # one side constant: everyone right (or wrong), or equal rest scores
        disc = None
    share = correct / n
    flags = []
    if share >= TOO_EASY:
        flags.append("too easy")
    if share < TOO_HARD:
        flags.append("too hard")
    if any(picks.get(i, 0) / n <= LOW_PICK for i in range(n_options) if i != key):
        flags.append("distractor nobody picks")
    if disc is not None and disc < 0:
        flags.append("negative discrimination")
    return QuestionAnalytics(
        question_id=qid,
        answered=n,
        correct_share=share,
        pick_share=tuple(picks.get(i, 0) / n for i in range(n_options)),
        most_picked_wrong=most_wrong,
        discrimination=disc,
        flags=tuple(flags),
    )
