"""Pure rules, tested with plain values and no fakes: scoring, ranking, periods, settings."""

from __future__ import annotations

import pytest

from bot.core.bank_schema import Difficulty
from bot.core.config import ChannelConfig, ScoringRules, apply_setting, parse_duration
from bot.core.errors import InvalidInputError
from bot.core.periods import Period, period_key, period_keys
from bot.core.ranking import rank_rows
from bot.core.scoring import score_answer, speed_bonus

RULES = ScoringRules()


def test_speed_bonus_falls_linearly_to_zero_at_close() -> None:
    assert speed_bonus(0, 100, 10) == 10
    assert speed_bonus(50, 100, 10) == 5
    assert speed_bonus(100, 100, 10) == 0
    assert speed_bonus(250, 100, 10) == 0
    assert speed_bonus(-3, 100, 10) == 10  # clock skew never earns more than the maximum


@pytest.mark.parametrize(("difficulty", "base"), [("easy", 10), ("medium", 20), ("hard", 30)])
def test_correct_answer_earns_base_by_difficulty_plus_speed(difficulty: str, base: int) -> None:
    p = score_answer(
        correct=True, difficulty=Difficulty(difficulty), elapsed=30, window=60, streak_before=0, rules=RULES
    )
    assert (p.base, p.speed, p.streak, p.total, p.streak_after) == (base, 5, 0, base + 5, 1)


def test_streak_bonus_grows_per_earlier_correct_answer_and_is_capped() -> None:
    bonuses = [
        score_answer(
            correct=True, difficulty=Difficulty.EASY, elapsed=60, window=60, streak_before=n, rules=RULES
        ).streak
        for n in range(8)
    ]
    assert bonuses == [0, 2, 4, 6, 8, 10, 10, 10]


def test_wrong_answer_earns_nothing_and_resets_streak() -> None:
    p = score_answer(
        correct=False, difficulty=Difficulty.HARD, elapsed=0, window=60, streak_before=9, rules=RULES
    )
    assert (p.total, p.streak_after) == (0, 0)


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    rows = [("a", "Ann", 50, 5, 5), ("b", "bob", 70, 7, 8), ("c", "Cy", 50, 5, 6), ("d", "Di", 10, 1, 9)]
    ranked = rank_rows(rows)
    assert [(s.rank, s.name) for s in ranked] == [(1, "bob"), (2, "Ann"), (2, "Cy"), (4, "Di")]


def test_period_keys_use_iso_weeks_and_months_in_utc() -> None:
    # 2026-01-01 is a Thursday: ISO week 1 of 2026; 2027-01-01 (Friday) is still ISO week 53 of 2026.
    assert period_keys(1767225600.0) == ["all", "week:2026-W01", "month:2026-01"]
    assert period_key(Period.WEEK, 1798761600.0) == "week:2026-W53"
    assert period_key(Period.COMPETITION, 0, 7) == "competition:7"
    with pytest.raises(ValueError):
        period_key(Period.COMPETITION, 0)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("45s", 45), ("5m", 300), ("1h30m", 5400), ("2d", 172800)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "5x", "m5", "10 minutes"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(InvalidInputError, match="duration"):
        parse_duration(text)


def test_apply_setting_changes_one_value_and_validates() -> None:
    cfg = ChannelConfig()
    stages = {"eda", "training"}
    assert apply_setting(cfg, "answer-window", "2m", stages).answer_window == 120
    assert apply_setting(cfg, "allow_changes", "on", stages).allow_changes is True
    assert apply_setting(cfg, "stages", "eda, training", stages).stages == ("eda", "training")
    assert apply_setting(cfg, "stages", "all", stages).stages == ()
    assert apply_setting(cfg, "points_hard", "50", stages).scoring.points_hard == 50
    with pytest.raises(InvalidInputError, match="unknown setting 'colour'"):
        apply_setting(cfg, "colour", "red", stages)
    with pytest.raises(InvalidInputError, match="unknown stage deployment"):
        apply_setting(cfg, "stages", "eda,deployment", stages)
    with pytest.raises(InvalidInputError, match="between 10s and 7d"):
        apply_setting(cfg, "answer_window", "5s", stages)
    with pytest.raises(InvalidInputError, match="on or off"):
        apply_setting(cfg, "allow_changes", "maybe", stages)
    assert cfg == ChannelConfig()  # the original is never modified


def test_config_round_trips_and_ignores_unknown_keys() -> None:
    cfg = ChannelConfig(answer_window=60, stages=("eda",), scoring=ScoringRules(speed_bonus=0))
    data = cfg.to_json() | {"future_setting": 1}
    assert ChannelConfig.from_json(data) == cfg
