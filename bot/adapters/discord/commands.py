"""Slash commands: /quiz (now, config, schedule), /lookup, /leaderboard, /stats, /team; /competition lives in
competitions.py."""

from __future__ import annotations

import time
import zoneinfo

import discord
from discord import app_commands
from discord.app_commands import Choice

from ...app import App
from ...core.boards import parse_period
from ...core.config import SETTING_HELP
from ...core.errors import InvalidInputError
from ...core.periods import Period
from ...core.progress import progress
from . import cards, competitions, render, study
from .interaction import here, is_admin, on_error, reply

_ZONES = sorted(zoneinfo.available_timezones())
_DIFFICULTIES = [Choice(name=d, value=d) for d in ("easy", "medium", "hard")]
_PERIODS = [Choice(name=p.value, value=p.value) for p in Period]


def build(tree: app_commands.CommandTree[discord.Client], app: App) -> None:
    """Add every command to `tree`, bound to `app`."""
    svc, admin = app.service, app.admin

    def names() -> dict[str, str]:  # read each time: the bank may be reloaded
        return {k: e.name for k, e in svc.bank.glossary.items()}

    async def stage_names(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        stages = svc.bank.stages()
        found = [e for e in stages if current.lower() in e.name.lower() or current.lower() in e.id] or stages
        return [Choice(name=e.name[:100], value=e.id) for e in found[:25]]

    async def glossary_names(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=e.name[:100], value=e.name[:100]) for e in svc.lookup_index.complete(current, 25)]

    async def zones(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=z, value=z) for z in _ZONES if current.lower() in z.lower()][:25]

    quiz = app_commands.Group(name="quiz", description="Quiz questions in this channel")

    @quiz.command(name="now", description="Post a question in this channel now")
    @app_commands.describe(
        stage="Lifecycle stage (default: this channel's pool)", difficulty="easy, medium or hard"
    )
    @app_commands.choices(difficulty=_DIFFICULTIES)
    @app_commands.autocomplete(stage=stage_names)
    async def now(
        interaction: discord.Interaction, stage: str | None = None, difficulty: Choice[str] | None = None
    ) -> None:
        channel = await here(svc, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        rnd = await svc.ask(channel, stage=stage, difficulty=difficulty.value if difficulty else None)
        await reply(
            interaction,
            f"Question #{rnd.id} is up; it closes <t:{int(rnd.closes_at or 0)}:R>.",
            ephemeral=True,
        )

    @quiz.command(name="config", description="Show or change this channel's quiz settings (admins)")
    @app_commands.describe(
        setting="Which setting to change (leave empty to show all)",
        value="New value, e.g. 2m, on, eda,training",
    )
    @app_commands.choices(setting=[Choice(name=f"{k}: {v}"[:100], value=k) for k, v in SETTING_HELP.items()])
    async def config(
        interaction: discord.Interaction, setting: Choice[str] | None = None, value: str | None = None
    ) -> None:
        channel = await here(svc, interaction)
        if setting is None:
            await reply(interaction, embed=render.config(channel.config), ephemeral=True)
            return
        if value is None:
            raise InvalidInputError(f"give a value for {setting.value}: {SETTING_HELP[setting.value]}")
        updated = await admin.set_config(channel, setting.value, value, admin=is_admin(interaction))
        await reply(interaction, embed=render.config(updated), ephemeral=True)

    schedule = app_commands.Group(name="schedule", description="Recurring quizzes", parent=quiz)

    @schedule.command(name="add", description="Post a question here on a cron schedule (admins)")
    @app_commands.describe(
        cron="minute hour day month weekday, e.g. 0 9 * * 1-5",
        timezone="IANA zone, e.g. Europe/Berlin",
        window="How long each question stays open, e.g. 10m (default: channel setting)",
    )
    @app_commands.autocomplete(timezone=zones)
    async def schedule_add(
        interaction: discord.Interaction, cron: str, timezone: str, window: str | None = None
    ) -> None:
        channel = await here(svc, interaction)
        sid, nxt = await admin.add_schedule(channel, cron, timezone, window, admin=is_admin(interaction))
        await reply(interaction, f"Schedule #{sid} added: `{cron}` {timezone}; {nxt}.", ephemeral=True)

    @schedule.command(name="list", description="This server's schedules")
    async def schedule_list(interaction: discord.Interaction) -> None:
        channel = await here(svc, interaction)
        await reply(interaction, render.schedules(await admin.schedules(channel)), ephemeral=True)

    @schedule.command(name="remove", description="Delete a schedule (admins)")
    @app_commands.describe(schedule="Schedule number from /quiz schedule list")
    async def schedule_remove(interaction: discord.Interaction, schedule: app_commands.Range[int, 1]) -> None:
        await admin.remove_schedule(await here(svc, interaction), schedule, admin=is_admin(interaction))
        await reply(interaction, f"Schedule #{schedule} removed.", ephemeral=True)

    @schedule.command(name="pause", description="Pause a schedule (admins)")
    async def schedule_pause(interaction: discord.Interaction, schedule: app_commands.Range[int, 1]) -> None:
        await admin.pause_schedule(await here(svc, interaction), schedule, True, admin=is_admin(interaction))
        await reply(interaction, f"Schedule #{schedule} paused.", ephemeral=True)

    @schedule.command(name="resume", description="Resume a paused schedule (admins)")
    async def schedule_resume(interaction: discord.Interaction, schedule: app_commands.Range[int, 1]) -> None:
        await admin.pause_schedule(await here(svc, interaction), schedule, False, admin=is_admin(interaction))
        await reply(interaction, f"Schedule #{schedule} resumed.", ephemeral=True)

    @app_commands.command(name="lookup", description="Look up a lifecycle stage, AWS service or concept")
    @app_commands.describe(term="A name, abbreviation (A2I, EDA) or description (detect bias)")
    @app_commands.autocomplete(term=glossary_names)
    async def lookup(interaction: discord.Interaction, term: str) -> None:
        await reply(interaction, embed=render.lookup(svc.lookup_index.answer(term, 4), names()))

    @app_commands.command(name="leaderboard", description="Top players or teams")
    @app_commands.describe(
        period="all, week, month or competition",
        teams="Teams instead of players",
        competition="Competition name (default: the current one)",
    )
    @app_commands.choices(period=_PERIODS)
    async def board(
        interaction: discord.Interaction,
        period: Choice[str] | None = None,
        teams: bool = False,
        competition: str | None = None,
    ) -> None:
        channel = await here(svc, interaction)
        await cards.board(  # the board card inside the embed; the embed's text stays the fallback
            interaction,
            app,
            channel.community_id,
            period=parse_period(period.value if period else "all"),
            teams=teams,
            competition=competition,
        )

    @app_commands.command(name="stats", description="Your record, or another member's")
    async def stats(interaction: discord.Interaction, member: discord.User | None = None) -> None:
        channel = await here(svc, interaction)
        who = member or interaction.user
        own = member is None  # private study answers and lines only in the asker's own, ephemeral, reply
        view = await progress(
            svc.store, svc.bank, channel.community_id, str(who.id), time.time(), private=own,
            study=app.study if own else None,
        )  # fmt: skip
        embed = render.stats(view.stats)
        if view.study is not None:  # the asker's own study lines (due reviews, readiness, exams)
            study.add_study_field(embed, view.study)
        await cards.stats(interaction, embed, view, own=own)

    team = app_commands.Group(name="team", description="Teams and their leaderboard")

    @team.command(name="create", description="Create a team and join it")
    async def team_create(interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]) -> None:
        made = await admin.create_team(
            await here(svc, interaction), name, str(interaction.user.id), interaction.user.display_name
        )
        await reply(interaction, f"Team **{render.safe(made.name)}** created; you are in it.")

    @team.command(name="join", description="Join a team (you leave any other)")
    async def team_join(interaction: discord.Interaction, name: str) -> None:
        joined = await admin.join_team(
            await here(svc, interaction), name, str(interaction.user.id), interaction.user.display_name
        )
        await reply(interaction, f"You joined **{render.safe(joined.name)}**.", ephemeral=True)

    @team.command(name="leave", description="Leave your team")
    async def team_leave(interaction: discord.Interaction) -> None:
        left = await admin.leave_team(await here(svc, interaction), str(interaction.user.id))
        await reply(interaction, f"You left **{render.safe(left)}**.", ephemeral=True)

    @team.command(name="list", description="This server's teams")
    async def team_list(interaction: discord.Interaction) -> None:
        await reply(interaction, render.teams(await admin.teams(await here(svc, interaction))))

    @team.command(
        name="bind-role", description="Make a role a team: members with the role score for it (admins)"
    )
    async def team_bind(
        interaction: discord.Interaction, name: app_commands.Range[str, 1, 40], role: discord.Role
    ) -> None:
        bound = await admin.bind_role(
            await here(svc, interaction), name, str(role.id), admin=is_admin(interaction)
        )
        await reply(
            interaction, f"Role <@&{role.id}> is now team **{render.safe(bound.name)}**.", ephemeral=True
        )

    study.add_commands(quiz, tree.client, app)  # review, practice, exam, report, remind, analytics
    competition = competitions.group(app)  # start (kind, rule, repeat), end, standings, history
    for group in (quiz, team, competition):
        tree.add_command(group)
    tree.add_command(lookup)
    tree.add_command(board)
    tree.add_command(stats)
    tree.error(on_error)
