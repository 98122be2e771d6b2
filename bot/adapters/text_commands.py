"""Typed text commands shared by the console and Slack: parse words, call the core, return a reply to render."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.admin import Admin
from ..core.boards import leaderboard, parse_period, player_stats
from ..core.config import ChannelConfig
from ..core.errors import InvalidInputError, NotFoundError, quoted
from ..core.moves import board_with_moves
from ..core.periods import Period
from ..core.ports import Store
from ..core.progress import ProgressView, progress
from ..core.records import ChannelRecord, CompetitionRecord, ScheduleRecord, TeamRecord
from ..core.rounds import Round
from ..core.service import QuizService
from ..core.study.service import StudyService
from ..core.teams import parse_competition_options
from ..core.views import LeaderboardView, LookupAnswer, LookupHit, StatsView

USAGE = """now [stage] [difficulty]          post a question here now
lookup WORDS                       look up a stage, service or concept
leaderboard [all|week|month|competition] [teams] [NAME]
stats [PLAYER]                     your record, or someone else's
team create NAME | join NAME | leave | list
team add TEAM PLAYER | remove PLAYER | bind-group TEAM @GROUP      (admins; groups: Slack)
competition start NAME ENDS [players|teams] [sum|average|top N] [weekly|monthly] | end [NAME]
            | standings [NAME] | history         (start/end: admins)
config [SETTING VALUE]             show or change this channel's settings (admins)
schedule add 'CRON' ZONE [WINDOW] | list | remove ID | pause ID | resume ID   (admins)"""


@dataclass(frozen=True)
class Caller:
    """Who typed the command, where."""

    channel: ChannelRecord
    player: str
    name: str
    admin: bool


@dataclass(frozen=True)
class Text:
    """A plain message."""

    text: str
    public: bool = False


@dataclass(frozen=True)
class Asked:
    """A question was posted."""

    round: Round


@dataclass(frozen=True)
class Board:
    """A leaderboard to show."""

    view: LeaderboardView


@dataclass(frozen=True)
class Stats:
    """A player's record to show (with what its picture shows, where the platform draws one)."""

    view: StatsView
    progress: ProgressView | None = None


@dataclass(frozen=True)
class Found:
    """Lookup results to show."""

    answer: LookupAnswer

    @property
    def query(self) -> str:
        """What was asked."""
        return self.answer.query

    @property
    def hits(self) -> list[LookupHit]:
        """The cards, best first."""
        return list(self.answer.hits)


@dataclass(frozen=True)
class Settings:
    """A channel's settings to show."""

    config: ChannelConfig


@dataclass(frozen=True)
class Schedules:
    """Schedules to list."""

    rows: list[ScheduleRecord]


@dataclass(frozen=True)
class Teams:
    """Teams to list."""

    rows: list[TeamRecord]


@dataclass(frozen=True)
class Competition:
    """A competition that started."""

    record: CompetitionRecord


Reply = Text | Asked | Board | Stats | Found | Settings | Schedules | Teams | Competition


def split(text: str) -> list[str]:
    """Words, with quotes grouping ('0 9 * * 1-5'); a clear error for unbalanced quotes."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise InvalidInputError(f"could not read the command: {exc}") from None


class TextCommands:
    """One parser for every text-typed platform; `prefix` is how its commands are typed there ('/' in the
    console, '/quiz ' on Slack; none by default), so every hint in a reply names a command that works there."""

    def __init__(
        self, service: QuizService, admin: Admin, clock: Callable[[], float], *, prefix: str = ""
    ) -> None:
        self.service = service
        self.admin = admin
        self.clock = clock
        self.prefix = prefix
        # Set where replies are drawn as pictures: boards then carry movement, stats their progress card.
        self.history: Store | None = None
        self.study: StudyService | None = None

    async def run(self, words: list[str], who: Caller) -> Reply:
        """Run one command given as words; raise QuizError with what to fix."""
        if not words or words[0].lower() in ("help", "?"):
            return Text(USAGE)
        cmd, args = words[0].lower(), words[1:]
        handler = getattr(self, f"_{cmd}", None)
        if handler is None:
            raise InvalidInputError(f"unknown command {quoted(cmd)}; try: {self.prefix}help")
        result: Reply = await handler(args, who)
        return result

    async def _now(self, args: list[str], who: Caller) -> Reply:
        stage: str | None = args[0] if args else None
        difficulty = args[1].lower() if len(args) > 1 else None
        if stage is not None and stage.lower() in ("easy", "medium", "hard") and difficulty is None:
            difficulty = stage.lower()  # 'now hard' means any stage, hard
            stage = None
        return Asked(await self.service.ask(who.channel, stage=stage, difficulty=difficulty))

    async def _lookup(self, args: list[str], who: Caller) -> Reply:
        query = " ".join(args)
        if not query:
            raise InvalidInputError("lookup what? e.g. lookup A2I, lookup detect bias")
        return Found(self.service.lookup_index.answer(query, 5))

    async def _leaderboard(self, args: list[str], who: Caller) -> Reply:
        words = [a for a in args if a.lower() != "teams"]
        period = parse_period(words[0]) if words else Period.ALL
        name = " ".join(words[1:]) or None
        view = await self._board(
            who.channel.community_id,
            period=period,
            at=self.clock(),
            teams=len(words) != len(args),
            competition=name,
            viewer=who.player,
        )
        return Board(view)

    async def _board(self, community_id: int, **options: Any) -> LeaderboardView:
        """A board; with movement when replies are drawn as pictures."""
        if self.history is None:
            return await leaderboard(self.service.store, community_id, **options)
        return await board_with_moves(self.history, community_id, **options)

    async def _stats(self, args: list[str], who: Caller) -> Reply:
        target = " ".join(args) or who.player
        if self.history is not None:
            shown = await progress(
                self.history,
                self.service.bank,
                who.channel.community_id,
                target,
                self.clock(),
                private=target == who.player,
                study=self.study,
            )
            return Stats(shown.stats, shown)
        view = await player_stats(
            self.service.store,
            self.service.bank,
            who.channel.community_id,
            target,
            self.clock(),
            private=target == who.player,  # someone else's record holds no private study answers
        )
        return Stats(view)

    async def _config(self, args: list[str], who: Caller) -> Reply:
        if not args:  # as stored now: the caller's record may be older than the last change
            return Settings((await self.service.store.channel_by_id(who.channel.id)).config)
        if len(args) < 2:
            raise InvalidInputError(f"give a value: {self.prefix}config {args[0]} VALUE")
        return Settings(
            await self.admin.set_config(who.channel, args[0], " ".join(args[1:]), admin=who.admin)
        )

    async def _schedule(self, args: list[str], who: Caller) -> Reply:
        sub = args[0].lower() if args else "list"
        if sub == "list":
            return Schedules(await self.admin.schedules(who.channel))
        if sub == "add" and len(args) in (3, 4):
            sid, nxt = await self.admin.add_schedule(
                who.channel, args[1], args[2], args[3] if len(args) == 4 else None, admin=who.admin
            )
            return Text(f"Schedule #{sid} added: `{args[1]}` {args[2]}; {nxt}.")
        if sub in ("remove", "pause", "resume") and len(args) == 2 and args[1].lstrip("#").isdigit():
            digits = args[1].lstrip("#")
            if not digits.isascii() or len(digits) > 18:  # '²' is a digit to isdigit(); ids fit in 64 bits
                raise InvalidInputError(f"{quoted(args[1])} is not a schedule id; schedule list shows them")
            number = int(digits)
            try:
                if sub == "remove":
                    await self.admin.remove_schedule(who.channel, number, admin=who.admin)
                else:
                    await self.admin.pause_schedule(who.channel, number, sub == "pause", admin=who.admin)
            except NotFoundError:  # the core's hint names one platform's syntax; this one names ours
                raise NotFoundError(
                    f"no schedule #{number} here; {self.prefix}schedule list shows them"
                ) from None
            return Text(f"Schedule #{number}: {sub}d." if sub != "remove" else f"Schedule #{number} removed.")
        raise InvalidInputError(
            f"usage: {self.prefix}schedule add 'CRON' ZONE [WINDOW] | list | remove ID | pause ID | resume ID"
        )

    async def _team(self, args: list[str], who: Caller) -> Reply:
        sub, name = (args[0].lower() if args else "list"), " ".join(args[1:])
        if sub == "list":
            return Teams(await self.admin.teams(who.channel))
        if sub == "create" and name:
            team = await self.admin.create_team(who.channel, name, who.player, who.name)
            return Text(f"Team {team.name} created; you are in it.", public=True)
        if sub == "join" and name:
            try:
                team = await self.admin.join_team(who.channel, name, who.player, who.name)
            except NotFoundError:
                raise NotFoundError(
                    f"no team called {quoted(name)}; {self.prefix}team list shows them"
                ) from None
            return Text(f"You joined {team.name}.")
        if sub == "leave":
            return Text(f"You left {await self.admin.leave_team(who.channel, who.player)}.")
        if sub == "add" and len(args) >= 3:  # admins: team add TEAM PLAYER
            player = mentioned(args[-1])
            team_name = await self.admin.move_player(
                who.channel, player, " ".join(args[1:-1]), admin=who.admin
            )
            return Text(f"{args[-1]} now plays for {team_name}.", public=True)
        if sub == "remove" and len(args) == 2:  # admins: team remove PLAYER
            left = await self.admin.move_player(who.channel, mentioned(args[1]), None, admin=who.admin)
            return Text(f"{args[1]} left {left}.", public=True)
        if sub == "bind-group" and len(args) >= 3:
            if self.admin.team_source is None:
                raise InvalidInputError(
                    "this platform has no user groups; teams here are made with team create"
                )
            team = await self.admin.bind_group(
                who.channel, " ".join(args[1:-1]), group_ref(args[-1]), admin=who.admin
            )
            return Text(f"Team {team.name} follows that user group: {team.members} members now.", public=True)
        raise InvalidInputError(
            f"usage: {self.prefix}team create NAME | join NAME | leave | list | add TEAM PLAYER | remove PLAYER"
        )

    async def _competition(self, args: list[str], who: Caller) -> Reply:
        sub = args[0].lower() if args else "standings"
        if sub == "start" and len(args) >= 3:
            words, options = parse_competition_options(args[1:])
            if len(words) < 2:
                raise InvalidInputError(
                    f"usage: {self.prefix}competition start NAME ENDS [teams] [top 3] [weekly]"
                )
            comp = await self.admin.start_competition(
                who.channel, " ".join(words[:-1]), words[-1], admin=who.admin, **options
            )
            return Competition(comp)
        if sub == "history":
            lines = await self.admin.competition_history(who.channel)
            return Text("\n".join(lines) if lines else "No competitions yet.")
        if sub == "end":
            comp = await self.admin.end_competition(who.channel, " ".join(args[1:]) or None, admin=who.admin)
            return Text(f"{comp.name} has ended; final standings are posted.")
        if sub == "standings":
            view = await self._board(
                who.channel.community_id,
                period=Period.COMPETITION,
                at=self.clock(),
                competition=" ".join(args[1:]) or None,
                viewer=who.player,
                competition_default=True,
            )
            return Board(view)
        raise InvalidInputError(
            f"usage: {self.prefix}competition start NAME ENDS [players|teams] [sum|average|top N] "
            "[weekly|monthly] | end [NAME] | standings [NAME] | history"
        )


def mentioned(text: str) -> str:
    """A player's platform id from a mention (<@U123>, <@U123|ann>), or the text itself (an id or a name)."""
    found = re.fullmatch(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", text.strip())
    return found.group(1) if found else text.strip()


def group_ref(text: str) -> str:
    """A user group's id from a mention (<!subteam^S0123|@designers>) or the id itself."""
    found = re.fullmatch(r"<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>|([A-Z0-9]{2,20})", text.strip())
    if found is None:
        raise InvalidInputError(f"{quoted(text)} is not a user group; mention it (@designers) or give its id")
    return found.group(1) or found.group(2)


def nothing_found(answer: LookupAnswer, shown: Callable[[str], str] = str) -> str:
    """What to say when a lookup has no card: not covered, or close names to try (`shown` escapes)."""
    query = shown(answer.query)
    if not answer.covered:
        text = f"'{query}' is not covered by this bank (Domain 1: the ML lifecycle and its AWS services)."
    else:
        text = f"Nothing in the glossary fits '{query}'."
    if answer.suggestions:
        return text + " Did you mean: " + ", ".join(shown(s) for s in answer.suggestions) + "?"
    return text + " Try a service (Clarify), a stage (EDA) or a need (detect bias in my model)."
