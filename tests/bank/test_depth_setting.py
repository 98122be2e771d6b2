"""The channel setting `depth` (exam | deep | all) and the pool it selects from the shipped bank."""

from __future__ import annotations

import pytest

from bot.core.bank_loader import load_bank
from bot.core.bank_schema import Depth
from bot.core.config import ChannelConfig, apply_setting
from bot.core.errors import InvalidInputError
from bot.core.selection import at_depth
from tests.conftest import ROOT


def test_default_is_exam_and_each_value_is_accepted() -> None:
    config = ChannelConfig()
    assert config.depth == "exam"
    for value in ("deep", "ALL", " exam "):
        assert apply_setting(config, "depth", value, set()).depth == value.strip().lower()


def test_unknown_depth_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="exam, deep, all"):
        apply_setting(ChannelConfig(), "depth", "expert", set())


def test_depth_survives_storage() -> None:
    config = apply_setting(ChannelConfig(), "depth", "all", set())
    assert ChannelConfig.from_json(config.to_json()).depth == "all"
    assert ChannelConfig.from_json({}).depth == "exam"  # rows stored before the setting existed


def test_pool_follows_the_depth() -> None:
    questions = list(load_bank([ROOT / "questions"]).questions.values())
    exam, deep = at_depth(questions, "exam"), at_depth(questions, "deep")
    assert exam and deep
    assert all(q.depth is Depth.EXAM for q in exam) and all(q.depth is Depth.DEEP for q in deep)
    assert len(exam) + len(deep) == len(at_depth(questions, "all")) == len(questions)
