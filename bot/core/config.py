"""Per-channel settings: answer window, answer rules, pool filters and scoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from .bank_schema import Difficulty
from .errors import InvalidInputError, quoted


@dataclass(frozen=True)
class ScoringRules:
    """Points for a correct answer; see README 'Scoring' for the defaults and an example."""

    points_easy: int = 10
    points_medium: int = 20
    points_hard: int = 30
    speed_bonus: int = 10
    streak_step: int = 2
    streak_cap: int = 10

    def to_json(self) -> dict[str, Any]:
        """Plain data for storage."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScoringRules:
        """Rebuild from stored data, ignoring keys an older or newer version wrote."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def base(self, difficulty: Difficulty) -> int:
        """Base points for a correct answer at this difficulty."""
        return {
            Difficulty.EASY: self.points_easy,
            Difficulty.MEDIUM: self.points_medium,
            Difficulty.HARD: self.points_hard,
        }[difficulty]


@dataclass(frozen=True)
class ChannelConfig:
    """Everything an admin can set for one channel."""

    answer_window: int = 300
    allow_changes: bool = False
    remove_reactions: bool = False
    stages: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    depth: str = "exam"  # exam | deep | all; see README 'Channel settings' for why exam is the default
    scoring: ScoringRules = ScoringRules()
    recap: str = (
        "off"  # weekly | off: the week's board, climbers and most missed question (bot/core/recap.py)
    )

    def to_json(self) -> dict[str, Any]:
        """Plain data for storage."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChannelConfig:
        """Rebuild from stored data, ignoring keys an older or newer version wrote."""
        scoring = ScoringRules.from_json(data.get("scoring", {}))
        keys = {f.name for f in fields(cls)} - {"scoring"}
        plain = {k: v for k, v in data.items() if k in keys}
        for k in ("stages", "difficulties"):
            if k in plain:
                plain[k] = tuple(plain[k])
        return cls(scoring=scoring, **plain)


MIN_WINDOW, MAX_WINDOW = 10, 7 * 24 * 3600
DEPTHS = ("exam", "deep", "all")
RECAPS = ("weekly", "off")
_BOOLS = {
    "on": True,
    "true": True,
    "yes": True,
    "1": True,
    "off": False,
    "false": False,
    "no": False,
    "0": False,
}
SETTING_HELP: dict[str, str] = {
    "answer_window": "how long a question stays open, e.g. 90s, 5m, 1h",
    "allow_changes": "on/off: players may change their answer until close",
    "remove_reactions": "on/off: remove each reaction once recorded (needs Manage Messages)",
    "stages": "comma-separated stage ids for the pool, or 'all'",
    "difficulties": "comma-separated easy,medium,hard, or 'all'",
    "depth": "exam (exam-level questions), deep (sub-features, APIs, settings) or all",
    "recap": "weekly or off: each Monday, last week's board, climbers and most missed question",
    "points_easy": "base points for a correct easy answer",
    "points_medium": "base points for a correct medium answer",
    "points_hard": "base points for a correct hard answer",
    "speed_bonus": "extra points for an instant answer, falling to 0 at close",
    "streak_step": "extra points per earlier consecutive correct answer",
    "streak_cap": "most extra points a streak can add",
}


MAX_DURATION = 3660 * 86400  # ten years: longer is a typo, and dates that far out cannot be shown


def parse_duration(text: str) -> int:
    """Parse '90', '90s', '5m', '1h30m', '2d' into seconds."""
    raw = text.strip().lower().replace(" ", "")
    wrong = f"{quoted(text)} is not a duration; use e.g. 45s, 5m, 1h30m"
    if not raw or not raw.isascii() or len(raw) > 20:  # str.isdigit() takes '²' and '٣', int() not all
        raise InvalidInputError(wrong)
    if raw.isdigit():
        total = int(raw)
    else:
        total, number, units = 0, "", {"s": 1, "m": 60, "h": 3600, "d": 86400}
        for ch in raw:
            if ch.isdigit():
                number += ch
            elif ch in units and number:
                total += int(number) * units[ch]
                number = ""
            else:
                raise InvalidInputError(wrong)
        if number:
            raise InvalidInputError(wrong)
    if total > MAX_DURATION:
        raise InvalidInputError(f"{quoted(text)} is too long; the longest duration is 3660d (ten years)")
    return total


def format_duration(seconds: int) -> str:
    """Seconds in the units a person types: 600 -> '10m', 5400 -> '1h30m', 45 -> '45s', 0 -> '0s'."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def check_window(seconds: int, minimum: int = MIN_WINDOW) -> int:
    """Refuse answer windows that are too short to answer or longer than a week."""
    if not minimum <= seconds <= MAX_WINDOW:
        raise InvalidInputError(f"the answer window must be between {minimum}s and 7d, not {seconds}s")
    return seconds


def apply_setting(config: ChannelConfig, key: str, value: str, known_stages: set[str]) -> ChannelConfig:
    """Return a copy of `config` with one setting changed from user text, or raise InvalidInputError."""
    key = key.strip().lower().replace("-", "_")
    if key not in SETTING_HELP:
        raise InvalidInputError(f"unknown setting {quoted(key)}; settings are: {', '.join(SETTING_HELP)}")
    value = value.strip()
    if key == "answer_window":
        return replace(config, answer_window=check_window(parse_duration(value)))
    if key in ("allow_changes", "remove_reactions"):
        if value.lower() not in _BOOLS:
            raise InvalidInputError(f"{key} takes on or off, not {quoted(value)}")
        flag = _BOOLS[value.lower()]
        if key == "allow_changes":
            return replace(config, allow_changes=flag)
        return replace(config, remove_reactions=flag)
    if key == "depth":
        if value.lower() not in DEPTHS:
            raise InvalidInputError(f"depth takes {', '.join(DEPTHS)}, not {quoted(value)}")
        return replace(config, depth=value.lower())
    if key == "recap":
        if value.lower() not in RECAPS:
            raise InvalidInputError(f"recap takes weekly or off, not {quoted(value)}")
        return replace(config, recap=value.lower())
    if key in ("stages", "difficulties"):
        items = (
            ()
            if value.lower() in ("all", "", "*")
            else tuple(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
        )
        allowed = known_stages if key == "stages" else {d.value for d in Difficulty}
        unknown = [v for v in items if v not in allowed]
        if unknown:
            raise InvalidInputError(
                f"unknown {key[:-1] if key == 'stages' else 'difficulty'} {', '.join(unknown)}; "
                f"choose from {', '.join(sorted(allowed))}"
            )
        return replace(config, stages=items) if key == "stages" else replace(config, difficulties=items)
    try:
        number = int(value)
    except ValueError:
        raise InvalidInputError(f"{key} takes a whole number from 0 to 1000, not {quoted(value)}") from None
    if not 0 <= number <= 1000:
        raise InvalidInputError(f"{key} must be between 0 and 1000")
    return replace(config, scoring=replace(config.scoring, **{key: number}))
