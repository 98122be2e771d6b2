"""Question analytics equal a reference computed directly from the answers, for several seeds."""

from __future__ import annotations

import math
import random

import pytest

from bot.core.study.analytics import AnswerFact, analyse


def _point_biserial(item: list[int], rest: list[float]) -> float | None:
    """Textbook point-biserial: (M1 - M0) / s * sqrt(p q), s the population standard deviation."""
    n = len(item)
    ones = [r for i, r in zip(item, rest, strict=True) if i]
    zeros = [r for i, r in zip(item, rest, strict=True) if not i]
    if n < 2 or not ones or not zeros:
        return None
    mean = sum(rest) / n
    s = math.sqrt(sum((r - mean) ** 2 for r in rest) / n)
    if s == 0:
        return None
    p = len(ones) / n
    return (sum(ones) / len(ones) - sum(zeros) / len(zeros)) / s * math.sqrt(p * (1 - p))


@pytest.mark.parametrize("seed", range(6))
def test_figures_equal_a_reference_from_the_stored_answers(seed: int) -> None:
    rng = random.Random(seed)
    questions = {f"q{i}": rng.choice([3, 4, 5]) for i in range(12)}
    keys = {q: rng.randrange(n) for q, n in questions.items()}
    skill = {f"p{i}": rng.random() for i in range(40)}
    answers = []
    for player, s in skill.items():
        for q in rng.sample(sorted(questions), rng.randint(1, 12)):
            right = rng.random() < s
            option = keys[q] if right else rng.choice([o for o in range(questions[q]) if o != keys[q]])
            answers.append(AnswerFact(q, player, option, right))
    found = {a.question_id: a for a in analyse(answers, questions, keys, min_answers=3)}
    for q, n_opts in questions.items():
        rows = [a for a in answers if a.question_id == q]
        if len(rows) < 3:
            assert q not in found
            continue
        got = found[q]
        assert got.answered == len(rows)
        assert got.correct_share == pytest.approx(sum(a.correct for a in rows) / len(rows))
        for o in range(n_opts):
            assert got.pick_share[o] == pytest.approx(sum(a.option == o for a in rows) / len(rows))
        wrong = {o: sum(a.option == o for a in rows) for o in range(n_opts) if o != keys[q]}
        best = max(wrong.values())
        assert got.most_picked_wrong == (None if best == 0 else min(o for o, c in wrong.items() if c == best))
        item, rest = [], []
        for a in rows:
            others = [b for b in answers if b.player == a.player and b.question_id != q]
            if others:
                item.append(int(a.correct))
                rest.append(sum(b.correct for b in others) / len(others))
        expected = _point_biserial(item, rest)
        if expected is None:
            assert got.discrimination is None
        else:
            assert got.discrimination == pytest.approx(expected)
        assert ("negative discrimination" in got.flags) == (expected is not None and expected < 0)
        assert ("distractor nobody picks" in got.flags) == any(c == 0 for c in wrong.values())


def test_flags_name_too_easy_too_hard_and_dead_distractors() -> None:
    easy = [AnswerFact("e", f"p{i}", 0, True) for i in range(10)]
    hard = [AnswerFact("h", f"p{i}", 1 + i % 3, False) for i in range(10)]
    found = {a.question_id: a for a in analyse(easy + hard, {"e": 4, "h": 4}, {"e": 0, "h": 0})}
    assert "too easy" in found["e"].flags and "distractor nobody picks" in found["e"].flags
    assert "too hard" in found["h"].flags and "distractor nobody picks" not in found["h"].flags
    assert [a.question_id for a in analyse(easy + hard, {"e": 4, "h": 4}, {"e": 0, "h": 0})] == ["h", "e"]
