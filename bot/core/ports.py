"""The core's view of the outside world: storage, chat and the scheduler, as protocols."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .bank_schema import Question
from .config import ChannelConfig, ScoringRules
from .errors import QuizError
from .records import (
    AnswerFact,
    AnswerWrite,
    ChannelRecord,
    CompetitionRecord,
    MemberSpan,
    PlayerRecord,
    ResultRow,
    RoundRecord,
    ScheduleRecord,
    TeamRecord,
    TeamTotals,
)
from .results import RoundResult, StoredAnswer
from .rounds import RoundState
from .selection import Asked
from .views import ChannelRef, LeaderboardView, QuestionView, RevealView

if TYPE_CHECKING:
    from .recap import RecapView  # recap.py needs the service, which needs these ports

BoardRow = tuple[str, str, int, int, int]  # key, name, points, correct, answered


class PostError(QuizError):
    """The chat platform refused or failed to post; the adapter has already retried."""


class Chat(Protocol):
    """What the core asks of a chat platform."""

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        """Post the question and add the option marks; return the message reference."""

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        """Post the reveal for the question at `message_ref`."""

    async def read_answers(
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]] | None:
        """(player, name, option) of every option mark now on the message, bots excluded; None where the
        platform keeps no marks (the console): it cannot tell, so no stored answer counts as withdrawn."""

    async def remove_mark(self, where: ChannelRef, message_ref: str, player: str, option: int) -> None:
        """Remove a player's option mark (anti-copy); may fail silently without permission."""

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        """Post a leaderboard unasked (a competition's final standings)."""

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None:
        """Post a channel's weekly recap (bot/core/recap.py), picture and text."""


class AnswerSink(Protocol):
    """The batching answer writer."""

    def submit(self, write: AnswerWrite) -> None:
        """Queue one answer write."""

    async def flush(self) -> None:
        """Return once everything queued is durable."""


class Store(Protocol):
    """Everything the core stores and reads."""

    async def community(self, platform: str, external_id: str, name: str = "") -> int: ...
    async def channel(self, community_id: int, external_id: str, name: str = "") -> ChannelRecord: ...
    async def channel_by_id(self, channel_id: int) -> ChannelRecord: ...
    async def save_channel_config(self, channel_id: int, config: ChannelConfig) -> None: ...
    async def player(self, community_id: int, external_id: str, name: str) -> PlayerRecord: ...
    async def find_player(self, community_id: int, who: str) -> PlayerRecord | None: ...

    async def create_round(
        self,
        channel_id: int,
        question: Question,
        window: int,
        allow_changes: bool,
        schedule_id: int | None,
        at: float,
        scoring: ScoringRules | None = None,
    ) -> int: ...
    async def mark_posted(self, round_id: int, message_ref: str, posted_at: float) -> None: ...
    async def mark_failed(self, round_id: int, error: str) -> None: ...
    async def rounds_in(
        self, states: Sequence[RoundState], platform: str | None = None
    ) -> list[RoundRecord]: ...
    async def asked_in_channel(self, channel_id: int) -> dict[str, Asked]: ...
    async def round_answers(self, round_id: int) -> list[StoredAnswer]: ...
    async def finish_round(
        self,
        round_id: int,
        community_id: int,
        closed_at: float,
        result: RoundResult,
        periods: Sequence[str],
    ) -> bool: ...
    async def round_results(self, round_id: int) -> list[ResultRow]: ...
    async def mark_revealed(self, round_id: int) -> None: ...

    async def leaderboard(self, community_id: int, period: str, limit: int) -> list[BoardRow]: ...
    async def standing(
        self, community_id: int, period: str, player_id: int
    ) -> tuple[int, BoardRow] | None: ...
    async def team_board(
        self, community_id: int, period: str, top_n: int = 0, rule: str = "sum", limit: int | None = None
    ) -> list[TeamTotals]: ...
    async def team_contributors(
        self, team_id: int, period: str, limit: int
    ) -> list[tuple[str, str, int]]: ...
    async def answer_facts(self, player_id: int) -> list[AnswerFact]: ...
    async def private_answers(self, player_id: int) -> list[tuple[str, bool]]: ...

    async def add_schedule(
        self, channel_id: int, cron: str, timezone: str, window: int | None, at: float
    ) -> int: ...
    async def schedules(
        self, community_id: int | None = None, platform: str | None = None
    ) -> list[ScheduleRecord]: ...
    async def remove_schedule(self, community_id: int, schedule_id: int) -> bool: ...
    async def set_schedule_paused(self, community_id: int, schedule_id: int, paused: bool) -> bool: ...
    async def claim_fire(self, schedule_id: int, due_at: float) -> bool: ...

    async def create_team(self, community_id: int, name: str) -> int: ...
    async def found_team(
        self, community_id: int, name: str, founder: str, founder_name: str, at: float = 0.0
    ) -> int: ...
    async def bind_role_to_team(self, community_id: int, name: str, role_ref: str) -> TeamRecord: ...
    async def find_team(self, community_id: int, name: str) -> TeamRecord | None: ...
    async def team_by_role(self, community_id: int, role_ref: str) -> TeamRecord | None: ...
    async def bind_role(self, team_id: int, role_ref: str | None) -> None: ...
    async def join_team(self, player_id: int, team_id: int, at: float = 0.0) -> bool: ...
    async def leave_team(self, player_id: int, at: float = 0.0) -> str | None: ...
    async def team_member_ids(self, team_id: int) -> list[str]: ...
    async def member_spans(self, community_id: int) -> list[MemberSpan]: ...
    async def communities_with_bound_teams(self, platform: str) -> list[tuple[int, str]]: ...
    async def teams(self, community_id: int) -> list[TeamRecord]: ...

    async def create_competition(
        self,
        community_id: int,
        channel_id: int | None,
        name: str,
        starts_at: float,
        ends_at: float,
        how: CompetitionRecord | None = None,
    ) -> int: ...
    async def competitions(self, community_id: int) -> list[CompetitionRecord]: ...
    async def competitions_running(self, community_id: int, at: float) -> list[int]: ...
    async def due_competitions(self, at: float, platform: str | None = None) -> list[CompetitionRecord]: ...
    async def finish_competition(
        self, competition_id: int, at: float, next_season: CompetitionRecord | None = None
    ) -> bool: ...


class TeamSource(Protocol):
    """A platform's own groups (a Slack user group), whose members a team bound to the group follows."""

    async def group_members(self, community: str, group_ref: str) -> list[tuple[str, str]] | None:
        """(player, name) of every member of the group now; None when the platform cannot say."""


class Timetable(Protocol):
    """The scheduler, seen from the core: checks cron text and re-reads schedules after a change."""

    def describe(self, cron: str, timezone: str) -> str:
        """Validate and say when it next fires; raise InvalidInputError with the reason if invalid."""

    async def refresh(self) -> None:
        """Rebuild jobs from stored schedules."""
