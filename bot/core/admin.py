"""Admin and team commands: channel settings, schedules, teams and competitions."""

from __future__ import annotations

import asyncio
import logging
import re
import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime

from .boards import find_competition, leaderboard
from .config import MAX_DURATION, ChannelConfig, apply_setting, check_window, parse_duration
from .errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError, QuizError, quoted
from .periods import Period
from .ports import TeamSource, Timetable
from .records import ChannelRecord, CompetitionRecord, ScheduleRecord, TeamRecord
from .service import QuizService
from .teams import KINDS, REPEATS, competition_rule, next_season, parse_rule

log = logging.getLogger("quizbot")
_NAME = re.compile(r"^[^\W_](?:[^\W_]|[ .'-]){0,39}$")  # letters and digits of any script; no '_' (Markdown)


def require_admin(admin: bool) -> None:
    """Refuse a non-admin; checked here even when the platform already hid the command.

    Who is an admin is each platform's rule, so the adapter words the refusal (Discord: Manage Server;
    Slack: workspace admins or QUIZBOT_SLACK_ADMINS); this text is what any other caller shows.
    """
    if not admin:
        raise PermissionDeniedError("only admins can do that")


def check_name(text: str, what: str) -> str:
    """A team or competition name: 1-40 letters, digits, spaces, . ' -."""
    name = " ".join(text.split())
    if not _NAME.match(name):
        raise InvalidInputError(
            f"a {what} name is 1-40 letters, digits, spaces or . ' - ; not {quoted(text)}"
        )
    return name


def check_timezone(name: str) -> str:
    """An IANA time zone name such as Europe/Berlin or UTC."""
    try:
        zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {quoted(name)}; use an IANA name such as Europe/Berlin or UTC"
        ) from None
    return name.strip()


def parse_end(text: str, now: float) -> float:
    """A competition end: a duration from now (7d, 36h) or a date/time (2026-12-31, 2026-12-31T18:00Z)."""
    try:
        return now + parse_duration(text)
    except InvalidInputError:
        pass
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"{quoted(text)} is neither a duration (7d, 36h) nor a date (2026-12-31)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        end = when.astimezone(UTC).timestamp()
    except (OverflowError, ValueError):
        end = float("inf")
    if end - now > MAX_DURATION:  # as far as a duration may reach
        raise InvalidInputError(f"{quoted(text)} is too far away; a competition ends within ten years")
    return end


class Admin:
    """Settings and organisation commands over a QuizService."""

    def __init__(
        self, service: QuizService, timetable: Timetable | None = None, team_source: TeamSource | None = None
    ) -> None:
        self.service = service
        self.store = service.store
        self.timetable = timetable
        self.team_source = team_source
        self._settings = asyncio.Lock()  # read-modify-write of a channel's settings, one at a time

    # -- channel settings -------------------------------------------------------------------------

    async def set_config(self, channel: ChannelRecord, key: str, value: str, *, admin: bool) -> ChannelConfig:
        """Change one channel setting from user text."""
        require_admin(admin)
        stages = {e.id for e in self.service.bank.stages()}
        async with self._settings:  # from the stored settings: two admins at once must not undo each other
            current = await self.store.channel_by_id(channel.id)
            config = apply_setting(current.config, key, value, stages)
            await self.store.save_channel_config(channel.id, config)
        return config

    # -- schedules --------------------------------------------------------------------------------

    async def add_schedule(
        self, channel: ChannelRecord, cron: str, timezone: str, window: str | None, *, admin: bool
    ) -> tuple[int, str]:
        """Add a recurring quiz; returns its id and when it next fires."""
        require_admin(admin)
        tz = check_timezone(timezone)
        if self.timetable is None:
            raise InvalidInputError("this mode has no scheduler")
        described = self.timetable.describe(cron, tz)
        seconds = check_window(parse_duration(window)) if window else None
        sid = await self.store.add_schedule(
            channel.id, " ".join(cron.split()), tz, seconds, self.service.clock()
        )
        await self.timetable.refresh()
        return sid, described

    async def schedules(self, channel: ChannelRecord) -> list[ScheduleRecord]:
        """The community's schedules."""
        return await self.store.schedules(channel.community_id)

    async def remove_schedule(self, channel: ChannelRecord, schedule_id: int, *, admin: bool) -> None:
        """Delete a schedule by id."""
        require_admin(admin)
        if not await self.store.remove_schedule(channel.community_id, schedule_id):
            raise NotFoundError(f"no schedule #{schedule_id} here; /quiz schedule list shows them")
        if self.timetable:
            await self.timetable.refresh()

    async def pause_schedule(
        self, channel: ChannelRecord, schedule_id: int, paused: bool, *, admin: bool
    ) -> None:
        """Pause or resume a schedule."""
        require_admin(admin)
        if not await self.store.set_schedule_paused(channel.community_id, schedule_id, paused):
            raise NotFoundError(f"no schedule #{schedule_id} here; /quiz schedule list shows them")
        if self.timetable:
            await self.timetable.refresh()

    # -- teams ------------------------------------------------------------------------------------

    async def create_team(
        self, channel: ChannelRecord, name: str, player: str, player_name: str
    ) -> TeamRecord:
        """Create a team and put its creator in it."""
        name = check_name(name, "team")
        team_id = await self.store.found_team(
            channel.community_id, name, player, player_name, self.service.clock()
        )
        return TeamRecord(team_id, name, None, 1)

    async def join_team(self, channel: ChannelRecord, name: str, player: str, player_name: str) -> TeamRecord:
        """Join a team (leaving any other)."""
        team = await self.store.find_team(channel.community_id, name.strip())
        if team is None:
            raise NotFoundError(f"no team called '{name}'; /team list shows them")
        if team.role_ref:
            raise ConflictError(f"'{team.name}' follows a role; get the role to join it")
        member = await self.store.player(channel.community_id, player, player_name)
        await self.store.join_team(member.id, team.id, self.service.clock())
        return team

    async def leave_team(self, channel: ChannelRecord, player: str) -> str:
        """Leave your team; returns its name."""
        member = await self.store.find_player(channel.community_id, player)
        left = await self.store.leave_team(member.id, self.service.clock()) if member else None
        if left is None:
            raise NotFoundError("you are not in a team")
        return left

    async def move_player(
        self, channel: ChannelRecord, who: str, team_name: str | None, *, admin: bool
    ) -> str:
        """Put a player (platform id or display name) in a team, or take them out of theirs (None): from now
        on, their points count for the new team; what they won for the old one stays there."""
        require_admin(admin)
        player = await self.store.find_player(channel.community_id, who.strip())
        if player is None:
            raise NotFoundError(f"no player {quoted(who)} here yet; they appear with their first answer")
        if team_name is None:
            left = await self.store.leave_team(player.id, self.service.clock())
            if left is None:
                raise NotFoundError(f"{player.name} is not in a team")
            return left
        team = await self.store.find_team(channel.community_id, team_name.strip())
        if team is None:
            raise NotFoundError(f"no team called {quoted(team_name)}")
        await self.store.join_team(player.id, team.id, self.service.clock())
        return team.name

    async def teams(self, channel: ChannelRecord) -> list[TeamRecord]:
        """The community's teams."""
        return await self.store.teams(channel.community_id)

    async def bind_role(self, channel: ChannelRecord, name: str, role_ref: str, *, admin: bool) -> TeamRecord:
        """Make a platform role a team: members with the role count for it."""
        require_admin(admin)
        name = check_name(name, "team")
        return await self.store.bind_role_to_team(channel.community_id, name, role_ref)  # refused: no change

    async def sync_role_member(
        self, channel: ChannelRecord, role_refs: list[str], player: str, name: str
    ) -> None:
        """Put a player in the team bound to one of their roles (called when a platform reports roles)."""
        for role in role_refs:
            team = await self.store.team_by_role(channel.community_id, role)
            if team is not None:
                member = await self.store.player(channel.community_id, player, name)
                await self.store.join_team(member.id, team.id, self.service.clock())  # no-op if in it
                return

    # -- competitions -----------------------------------------------------------------------------

    async def start_competition(
        self,
        channel: ChannelRecord,
        name: str,
        ends: str,
        *,
        admin: bool,
        kind: str = "players",
        rule: str = "sum",
        repeats: str | None = None,
    ) -> CompetitionRecord:
        """Start a named competition now, ending at `ends`: of players or teams, teams counted by `rule`
        (sum, average, top N), repeating weekly or monthly if asked; platform teams are refreshed first."""
        require_admin(admin)
        name = check_name(name, "competition")
        if kind not in KINDS:
            raise InvalidInputError(f"a competition is of players or teams; not {quoted(kind)}")
        if repeats is not None and repeats not in REPEATS:
            raise InvalidInputError(f"a competition repeats weekly or monthly; not {quoted(repeats)}")
        team_rule = parse_rule(rule)
        now = self.service.clock()
        end = parse_end(ends, now)
        if end <= now + 60:
            raise InvalidInputError("a competition must end at least a minute from now")
        how = CompetitionRecord(
            0,
            channel.community_id,
            channel.id,
            name,
            now,
            end,
            None,
            kind,
            team_rule.name,
            team_rule.n,
            repeats,
            name if repeats else None,
        )
        await self.refresh_platform_teams(channel.community_id, channel.community)
        cid = await self.store.create_competition(channel.community_id, channel.id, name, now, end, how)
        return replace(how, id=cid)

    async def competition_history(self, channel: ChannelRecord, limit: int = 10) -> list[str]:
        """Past and running competitions, newest first: dates, kind and rule, and the winner of each ended one."""
        lines = []
        for comp in (await self.store.competitions(channel.community_id))[:limit]:
            start = datetime.fromtimestamp(comp.starts_at, UTC).strftime("%Y-%m-%d")
            end = datetime.fromtimestamp(comp.ends_at, UTC).strftime("%Y-%m-%d")
            what = "teams, " + str(competition_rule(comp)) if comp.kind == "teams" else "players"
            if comp.repeats:
                what += f", {comp.repeats} season {comp.season}"
            line = f"{comp.name}: {start} to {end} ({what})"
            if comp.finished_at is None:
                lines.append(line + ", running")
                continue
            board = await leaderboard(
                self.store,
                comp.community_id,
                period=Period.COMPETITION,
                at=comp.ends_at,
                competition=comp.name,
                limit=1,
                competition_default=True,
            )
            won = board.rows[0] if board.rows and board.rows[0].answered else None
            lines.append(line + (f", won by {won.name} ({won.points} pts)" if won else ", no answers"))
        return lines

    async def end_competition(
        self, channel: ChannelRecord, name: str | None, *, admin: bool
    ) -> CompetitionRecord:
        """End a competition now and post its final standings."""
        require_admin(admin)
        comp = await find_competition(self.store, channel.community_id, name, self.service.clock())
        if comp.finished_at is not None:
            raise ConflictError(f"'{comp.name}' has already ended")
        await self._finish(comp)
        return comp

    async def finish_due_competitions(self) -> int:
        """Post final standings of every competition whose end has passed (each once)."""
        done = 0
        for comp in await self.store.due_competitions(self.service.clock(), self.service.platform):
            done += await self._finish(comp)
        return done

    async def _finish(self, comp: CompetitionRecord) -> bool:
        """Finish once: post final standings, and start the next season of a recurring competition (in the
        same transaction as the finish, so a crash between them can neither lose nor double a season)."""
        now = self.service.clock()
        if not await self.store.finish_competition(comp.id, now, next_season(comp, now)):
            return False
        if comp.channel_id is not None:
            channel = await self.store.channel_by_id(comp.channel_id)
            board = await leaderboard(
                self.store,
                comp.community_id,
                period=Period.COMPETITION,
                at=self.service.clock(),
                competition=comp.name,
                limit=10,
                competition_default=True,
            )
            await self.service.chat.post_board(self.service.ref(channel), board)
        return True

    # -- teams that follow a platform group ---------------------------------------------------------

    async def bind_group(
        self, channel: ChannelRecord, name: str, group_ref: str, *, admin: bool
    ) -> TeamRecord:
        """Make a platform user group a team, and take its members in now; a group the platform cannot list
        (unknown, or a missing permission) is refused before anything is bound."""
        require_admin(admin)
        if self.team_source is not None:
            await self.team_source.group_members(channel.community, group_ref)  # raises QuizError saying why
        team = await self.bind_role(channel, name, group_ref, admin=admin)
        await self.refresh_platform_teams(channel.community_id, channel.community)
        return (await self.store.find_team(channel.community_id, team.name)) or team

    async def refresh_platform_teams(self, community_id: int, community: str) -> int:
        """Make every team bound to a platform group hold exactly the group's members (a player in two
        groups ends in the team named last); how many memberships changed. No-op without a group source."""
        if self.team_source is None:
            return 0
        changed, now = 0, self.service.clock()
        for team in await self.store.teams(community_id):
            if not team.role_ref:
                continue
            try:
                members = await self.team_source.group_members(community, team.role_ref)
            except QuizError as exc:  # one group gone or unreadable: the others are still refreshed
                log.warning("team %s keeps its members: %s", team.name, exc)
                continue
            if members is None:
                continue
            wanted = dict(members)
            for player in set(await self.store.team_member_ids(team.id)) - set(wanted):
                found = await self.store.find_player(community_id, player)
                if found is not None:
                    changed += await self.store.leave_team(found.id, now) is not None
            for player, name in sorted(wanted.items()):
                member = await self.store.player(community_id, player, name)
                changed += await self.store.join_team(member.id, team.id, now)
        return changed

    async def refresh_all_platform_teams(self) -> int:
        """The daily refresh: every community of this platform with a group-bound team."""
        done = 0
        for community_id, community in await self.store.communities_with_bound_teams(self.service.platform):
            try:
                done += await self.refresh_platform_teams(community_id, community)
            except QuizError as exc:
                log.warning("could not refresh the teams of %s: %s", community, exc)
        return done
