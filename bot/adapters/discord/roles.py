"""Discord roles as teams, refreshed when a competition starts, without the privileged members intent.

Without that intent a role's members cannot be listed, so the core's TeamSource here answers with the team's
current members who still hold the role (each read with GET /guilds/{guild}/members/{user}): those who lost
it, or left the server, leave the team. Whoever gained the role joins at their next answer, because every
refresh also forgets which members' roles were already read while the bot runs."""

from __future__ import annotations

import logging

import discord

from ...core.errors import QuizError
from ...core.ports import Store
from .client import QuizClient

log = logging.getLogger(__name__)


class DiscordRoles:
    """Who of a role-bound team still holds its role."""

    def __init__(self, client: QuizClient, store: Store) -> None:
        self.client = client
        self.store = store

    async def group_members(self, community: str, group_ref: str) -> list[tuple[str, str]] | None:
        """(user id, display name) of the team's members who hold role `group_ref`; None if the server is
        not known here; QuizError if Discord will not say."""
        guild = self.client.get_guild(int(community)) if community.isdigit() else None
        if guild is None or not group_ref.isdigit():
            return None
        self.client.forget_roles(guild.id)  # roles are read again at each member's next answer
        team = await self.store.team_by_role(await self.store.community("discord", community), group_ref)
        if team is None:
            return None
        holders = []
        for user in await self.store.team_member_ids(team.id):
            if not user.isdigit():
                continue
            try:
                member = await guild.fetch_member(int(user))
            except discord.NotFound:
                continue  # left the server: leaves the team
            except discord.HTTPException as exc:
                raise QuizError(
                    f"Discord would not show a member of {team.name} (HTTP {exc.status})"
                ) from None
            if any(str(role.id) == group_ref for role in member.roles):
                holders.append((user, member.display_name))
        return holders
