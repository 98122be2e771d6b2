"""/competition: start (kind, rule with N, repeat), end, standings and history, over the core's Admin."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice

from ...app import App
from ...core.errors import InvalidInputError
from ...core.periods import Period
from ...core.teams import KINDS, MAX_TOP, REPEATS
from . import cards, render
from .interaction import here, is_admin, reply

_KINDS = [Choice(name=k, value=k) for k in KINDS]
_RULES = [
    Choice(name="sum of members' points", value="sum"),
    Choice(name="average per active member", value="average"),
    Choice(name="top N members' points (give top)", value="top"),
]
_REPEATS = [Choice(name=r, value=r) for r in REPEATS]


def rule_text(rule: str | None, top: int | None) -> str:
    """The core's rule text from the two options: 'top' needs N; N alone means top N."""
    if rule in (None, "top") and top is not None:
        return f"top {top}"
    if rule == "top":
        raise InvalidInputError("the top rule needs top: N (the N best members' points count), e.g. top: 3")
    if top is not None:
        raise InvalidInputError(f"top: N goes with rule: top, not with rule: {rule}")
    return rule or "sum"


def group(app: App) -> app_commands.Group:
    """The /competition group, bound to `app`."""
    svc, admin = app.service, app.admin
    competition = app_commands.Group(name="competition", description="Named scoring periods")

    @competition.command(name="start", description="Start a competition now (admins)")
    @app_commands.describe(
        name="Its name",
        ends="A duration (7d, 36h) or a date (2026-12-31)",
        kind="Who competes: players (default) or teams",
        rule="How a team's points count (teams): sum (default), average per active member, or top N",
        top=f"N for the top rule: the N best members' points count (1-{MAX_TOP})",
        repeat="Start the next season by itself when this one ends: weekly or monthly",
    )
    @app_commands.choices(kind=_KINDS, rule=_RULES, repeat=_REPEATS)
    async def start(
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        ends: str,
        kind: Choice[str] | None = None,
        rule: Choice[str] | None = None,
        top: app_commands.Range[int, 1, MAX_TOP] | None = None,
        repeat: Choice[str] | None = None,
    ) -> None:
        how = rule_text(rule.value if rule else None, top)
        channel = await here(svc, interaction)
        comp = await admin.start_competition(
            channel,
            name,
            ends,
            admin=is_admin(interaction),
            kind=kind.value if kind else "players",
            rule=how,
            repeats=repeat.value if repeat else None,
        )
        await reply(interaction, f"Competition started: {render.competition(comp)}")

    @competition.command(
        name="end", description="End a competition now and post the final standings (admins)"
    )
    async def end(interaction: discord.Interaction, name: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True)
        comp = await admin.end_competition(await here(svc, interaction), name, admin=is_admin(interaction))
        await reply(
            interaction,
            f"**{render.safe(comp.name)}** has ended; final standings are posted.",
            ephemeral=True,
        )

    @competition.command(
        name="standings", description="A competition's leaderboard (a team competition's teams)"
    )
    async def standings(interaction: discord.Interaction, name: str | None = None) -> None:
        channel = await here(svc, interaction)
        await cards.board(
            interaction,
            app,
            channel.community_id,
            period=Period.COMPETITION,
            competition=name,
            competition_default=True,
        )

    @competition.command(name="history", description="Past and running competitions, with their winners")
    async def history(interaction: discord.Interaction) -> None:
        lines = await admin.competition_history(await here(svc, interaction))
        await reply(interaction, render.history(lines))

    return competition
