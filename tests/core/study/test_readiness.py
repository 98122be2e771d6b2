"""Readiness per stage: mean FSRS recall over the stage's pool, unmet questions counting as 0."""

from __future__ import annotations

import pytest

from bot.core.study.memory import recall, review
from bot.core.study.readiness import readiness, weakest

T0 = 1_767_225_600.0
DAY = 86_400.0


def test_readiness_is_the_mean_recall_over_the_pool_weakest_first() -> None:
    stage_of = {"a1": "a", "a2": "a", "b1": "b", "b2": "b", "c1": "c"}
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
    m_a1 = review(review(None, "a1", True, T0), "a1", True, T0 + DAY)
    m_b1 = review(None, "b1", False, T0)
    m_c1 = review(None, "c1", True, T0)
    now = T0 + 4 * DAY
    found = readiness([m_a1, m_b1, m_c1], stage_of, names, now)
    by = {r.stage: r for r in found}
    assert by["a"].score == pytest.approx(recall(m_a1, now) / 2) and by["a"].met == 1 and by["a"].total == 2
    assert by["b"].score == pytest.approx(recall(m_b1, now) / 2)
    assert by["c"].score == pytest.approx(recall(m_c1, now)) and by["c"].name == "Gamma"
    assert [r.stage for r in found] == ["a", "b", "c"]  # lifecycle order
    assert weakest(found) == [by["b"]]  # the one missed is the weakest
    assert weakest(found, 3) == sorted(found, key=lambda r: r.score)


def test_a_stage_never_met_scores_zero() -> None:
    (only,) = readiness([], {"x1": "x"}, {"x": "X"}, T0)
    assert only.score == 0 and only.met == 0 and only.percent == 0


def test_practice_goes_to_the_weakest_met_stages_then_to_stages_not_met_yet() -> None:
    stage_of = {"a1": "a", "b1": "b", "c1": "c"}
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
    found = readiness([review(None, "c1", True, T0)], stage_of, names, T0 + DAY)
    assert [r.stage for r in weakest(found, 2)] == ["c", "a"]  # the one met, then the first not met
