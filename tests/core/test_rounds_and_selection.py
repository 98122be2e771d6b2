"""The round state machine and question choice, with plain values."""

from __future__ import annotations

import random

import pytest

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.errors import (
    AlreadyAnsweredError,
    IllegalTransitionError,
    NoQuestionError,
    RoundClosedError,
    UnknownOptionError,
)
from bot.core.results import StoredAnswer, score_round
from bot.core.rounds import Outcome, Round, RoundState
from bot.core.scoring import score_answer
from bot.core.selection import Asked, choose_question


def _round(bank: Bank, allow_changes: bool = False) -> Round:
    rnd = Round(
        id=1, channel_id=1, question=bank.questions["t-eda-1"], window=60, allow_changes=allow_changes
    )
    rnd.mark_posted("m1", 1000.0)
    return rnd


def test_first_answer_counts_by_default(mini_bank: Bank) -> None:
    rnd = _round(mini_bank)
    assert rnd.answer("u1", "Ann", 1, 1001) is Outcome.RECORDED
    assert rnd.answer("u1", "Ann", 1, 1002) is Outcome.UNCHANGED
    with pytest.raises(AlreadyAnsweredError):
        rnd.answer("u1", "Ann", 0, 1003)
    assert rnd.answers["u1"].option == 1
    assert rnd.withdraw("u1", 1) is Outcome.UNCHANGED  # removing a reaction takes nothing back here


def test_changes_until_close_when_allowed(mini_bank: Bank) -> None:
    rnd = _round(mini_bank, allow_changes=True)
    rnd.answer("u1", "Ann", 0, 1001)
    assert rnd.answer("u1", "Ann", 2, 1005) is Outcome.CHANGED
    assert rnd.withdraw("u1", 0) is Outcome.UNCHANGED  # not the current answer
    assert rnd.withdraw("u1", 2) is Outcome.WITHDRAWN
    assert "u1" not in rnd.answers


def test_illegal_moves_raise_named_errors(mini_bank: Bank) -> None:
    rnd = _round(mini_bank)
    with pytest.raises(UnknownOptionError):
        rnd.answer("u1", "Ann", 3, 1001)
    with pytest.raises(RoundClosedError):
        rnd.answer("u1", "Ann", 0, 1061)  # after the window
    assert rnd.answer("u2", "Bo", 0, 1061, late_ok=True) is Outcome.RECORDED  # recovered after a restart
    with pytest.raises(IllegalTransitionError):
        rnd.mark_revealed()
    rnd.close()
    with pytest.raises(RoundClosedError):
        rnd.answer("u3", "Cy", 0, 1010)
    with pytest.raises(IllegalTransitionError):
        rnd.close()
    rnd.mark_revealed()
    assert rnd.state is RoundState.REVEALED


def test_score_round_tallies_and_orders_winners_fastest_first(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]  # B is right
    answers = [
        StoredAnswer(1, "u1", "Ann", 1, 1030.0, 0),
        StoredAnswer(2, "u2", "Bo", 0, 1001.0, 4),
        StoredAnswer(3, "u3", "Cy", 1, 1006.0, 2),
    ]
    result = score_round(q, answers, 1000.0, 60, ScoringRules())
    assert result.tally == (1, 2, 0)
    assert [s.name for s in result.winners] == ["Cy", "Ann"]
    cy, ann = result.winners
    assert (cy.points, ann.points) == (10 + 9 + 4, 10 + 5 + 0)
    assert (cy.streak_after, ann.streak_after) == (3, 1)
    bo = next(s for s in result.scored if s.name == "Bo")
    assert (bo.correct, bo.points, bo.streak_after) == (False, 0, 0)


def test_score_round_scores_each_answer_as_the_rules_do_alone(mini_bank: Bank) -> None:
    """The round's scoring (rules looked up once, a wrong answer's points computed once) equals scoring each
    answer on its own, whatever the options, times, streaks and rules."""
    rng = random.Random(5)
    q = mini_bank.questions["t-eda-1"]
    for _ in range(20):
        rules = ScoringRules(
            speed_bonus=rng.randrange(0, 20), streak_step=rng.randrange(0, 5), streak_cap=rng.randrange(0, 30)
        )
        answers = [
            StoredAnswer(
                p, f"u{p}", f"P{p}", rng.randrange(-1, 4), 1000.0 + rng.uniform(-5, 70), rng.randrange(9)
            )
            for p in range(50)
        ]
        result = score_round(q, answers, 1000.0, 60, rules)
        by_id = {a.player_id: a for a in answers}
        assert sorted(s.player_id for s in result.scored) == sorted(by_id)
        for s in result.scored:
            a = by_id[s.player_id]
            assert (s.player, s.name, s.option, s.at) == (a.player, a.name, a.option, a.at)
            alone = score_answer(
                correct=a.option == q.answer_index,
                difficulty=q.difficulty,
                elapsed=a.at - 1000.0,
                window=60,
                streak_before=a.streak_before,
                rules=rules,
            )
            assert (s.correct, s.points, s.streak_after) == (
                a.option == q.answer_index,
                alone.total,
                alone.streak_after,
            )


def test_no_repeat_until_the_pool_is_used_up(mini_bank: Bank) -> None:
    pool = list(mini_bank.questions.values())
    rng = random.Random(3)
    asked: dict[str, Asked] = {}
    seen = []
    for t in range(len(pool) * 3):
        q = choose_question(pool, asked, rng)
        prev = asked.get(q.id, Asked(0, 0))
        asked[q.id] = Asked(prev.count + 1, float(t))
        seen.append(q.id)
    for cycle in range(3):
        chunk = seen[cycle * len(pool) : (cycle + 1) * len(pool)]
        assert sorted(chunk) == sorted(q.id for q in pool)


def test_choice_spreads_across_stages(mini_bank: Bank) -> None:
    pool = list(mini_bank.questions.values())
    rng = random.Random(1)
    asked: dict[str, Asked] = {}
    stages = []
    for t in range(3):
        q = choose_question(pool, asked, rng)
        asked[q.id] = Asked(1, float(t))
        stages.append(q.stage)
    assert len(set(stages)) == 3  # three stages, three different ones first


def test_empty_pool_is_a_named_error() -> None:
    with pytest.raises(NoQuestionError):
        choose_question([], {}, random.Random())
