"""Plain records that cross the storage port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .bank_schema import Question
from .config import ChannelConfig, ScoringRules
from .rounds import Answer, RoundState


@dataclass(frozen=True)
class ChannelRecord:
    """A channel the bot posts in, with its community and settings."""

    id: int
    community_id: int
    community: str
    external_id: str
    name: str
    config: ChannelConfig


@dataclass(frozen=True)
class PlayerRecord:
    """A player in one community."""

    id: int
    external_id: str
    name: str
    streak: int
    best_streak: int


@dataclass(frozen=True)
class RoundRecord:
    """A stored round, with its answers when it is still open."""

    id: int
    channel_id: int
    question: Question
    state: RoundState
    window: int
    allow_changes: bool
    message_ref: str | None
    posted_at: float | None
    answers: tuple[Answer, ...] = ()
    scoring: ScoringRules | None = None  # None: posted before rounds kept their rules


class ResultRow(NamedTuple):
    """A scored answer as stored, for reveals."""

    player: str
    name: str
    option: int
    at: float
    correct: bool
    points: int


@dataclass(frozen=True)
class ScheduleRecord:
    """A channel's recurring quiz: cron in an IANA time zone."""

    id: int
    channel_id: int
    channel: str
    community: str
    cron: str
    timezone: str
    window: int | None
    paused: bool
    last_fired_at: float | None
    configured: bool = False  # the console's schedule from --cron / QUIZBOT_SCHEDULE, replaced at each start


@dataclass(frozen=True)
class TeamRecord:
    """A team and how many players it has."""

    id: int
    name: str
    role_ref: str | None
    members: int


@dataclass(frozen=True)
class CompetitionRecord:
    """A named scoring period in a community."""

    id: int
    community_id: int
    channel_id: int | None
    name: str
    starts_at: float
    ends_at: float
    finished_at: float | None
    kind: str = "players"  # who competes: 'players' or 'teams'
    rule: str = "sum"  # how a team's points count: 'sum', 'average' (per active member) or 'top'
    top_n: int = 0  # with rule 'top': the N best members' points
    repeats: str | None = None  # 'weekly' or 'monthly': each season starts the next
    series: str | None = None  # a recurring competition's name without its season number
    season: int = 1


@dataclass(frozen=True)
class AnswerFact:
    """One scored answer of a player, for accuracy by stage and service."""

    stage: str
    services: tuple[str, ...]
    correct: bool
    answer_ref: str | None = None  # what the correct option names, as the question was asked


class AnswerWrite(NamedTuple):
    """An answer for the writer to store (option None takes one back); a named tuple, made per reaction."""

    round_id: int
    community_id: int
    player: str
    name: str
    option: int | None
    at: float


@dataclass(frozen=True)
class TeamTotals:
    """A team's totals in one period: current members, points won for it, and members active in the period."""

    key: str
    name: str
    members: int
    points: int
    correct: int
    answered: int
    active: int
    top: int = 0  # the sum of its N best members' points, when a board asked for top N


@dataclass(frozen=True)
class MemberSpan:
    """One stay of a player in a team: a question posted at joined_at <= t < left_at counts for the team."""

    team: str
    player: str
    joined_at: float
    left_at: float | None
