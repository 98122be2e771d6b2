"""Slack user groups as teams, over the loopback Slack: /quiz team bind-group TEAM @group takes the group's
members in (usergroups.users.list), a competition's start and the daily refresh make the team follow the
group, and a group Slack will not list (unknown, or the scope missing) is refused before anything is bound."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.adapters.slack import groups
from bot.adapters.slack.app import SlackBot
from tests.adapters.slack_harness import running_slack, shown
from tests.adapters.test_slack_e2e import slash
from tests.servers.slack import SlackTestServer

MENTION = "<!subteam^S0DESIGN|@designers>"  # how Slack escapes a user group mention in a command's text


async def members(bot: SlackBot, team: str) -> set[str]:
    assert bot.app is not None
    store = bot.app.store
    community = await store.community("slack", "T0001")
    found = await store.find_team(community, team)
    assert found is not None, f"no team {team}"
    return set(await store.team_member_ids(found.id))


async def test_bind_group_takes_the_group_in_and_a_competition_start_refreshes_it(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    slack.usergroups["S0DESIGN"] = ["U1", "U2", "UBOT"]  # the bot itself is no player
    async with running_slack(slack, db_target) as bot:
        refused = await slash(slack, "/quiz", f"team bind-group Designers {MENTION}", user_id="U1")
        assert "only workspace admins" in shown(refused)
        bound = await slash(slack, "/quiz", f"team bind-group Designers {MENTION}", user_id="UADMIN")
        assert "Team Designers follows that user group: 2 members now." in shown(bound)
        assert bound["response_type"] == "in_channel"
        assert await members(bot, "Designers") == {"U1", "U2"}
        joined = await slash(slack, "/quiz", "team join Designers", user_id="U3")
        assert "follows" in shown(joined)  # membership comes from the group, not from join
        slack.usergroups["S0DESIGN"] = ["U1", "U3"]  # bo left the group, cy joined it
        started = await slash(slack, "/quiz", "competition start Cup 2h teams", user_id="UADMIN")
        assert "Competition started" in shown(started)
        assert await members(bot, "Designers") == {"U1", "U3"}
        listed = await slash(slack, "/quiz", "team list")
        assert "*Designers*: 2 members" in shown(listed)
        calls = [args for method, args in slack.calls if method == "usergroups.users.list"]
        assert calls and all(args.get("usergroup") == "S0DESIGN" for args in calls)


async def test_a_group_slack_will_not_list_is_refused_before_anything_is_bound(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        unknown = await slash(
            slack, "/quiz", "team bind-group Ghosts <!subteam^S0NONE|@ghosts>", user_id="UADMIN"
        )
        assert "Slack has no such user group" in shown(unknown) and unknown["response_type"] == "ephemeral"
        slack.usergroups["S0DESIGN"] = ["U1"]
        slack.missing_scopes.add("usergroups:read")
        scope = await slash(slack, "/quiz", f"team bind-group Designers {MENTION}", user_id="UADMIN")
        assert "usergroups:read" in shown(scope)
        not_group = await slash(slack, "/quiz", "team bind-group Designers @designers", user_id="UADMIN")
        assert "is not a user group" in shown(not_group)
        listed = await slash(slack, "/quiz", "team list")
        assert "No teams yet" in shown(listed)


async def test_the_running_bot_refreshes_group_teams_daily(
    slack: SlackTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(groups, "REFRESH_SECONDS", 0.2)  # a "day" of 0.2 s
    slack.usergroups["S0DESIGN"] = ["U1"]
    slack.usergroups["S0OPS"] = ["U2"]
    async with running_slack(slack, db_target) as bot:
        await slash(slack, "/quiz", f"team bind-group Designers {MENTION}", user_id="UADMIN")
        await slash(slack, "/quiz", "team bind-group Ops <!subteam^S0OPS>", user_id="UADMIN")
        assert await members(bot, "Ops") == {"U2"}
        slack.usergroups["S0DESIGN"] = ["U1", "U2"]  # bo moves from Ops to Designers
        del slack.usergroups[
            "S0OPS"
        ]  # a group deleted: its team keeps its members, Designers still refreshes
        for _ in range(50):
            if await members(bot, "Designers") == {"U1", "U2"}:
                break
            await asyncio.sleep(0.1)
        assert await members(bot, "Designers") == {"U1", "U2"}
        assert await members(bot, "Ops") == set()  # bo is in one team at a time
    before = len([c for c in slack.calls if c[0] == "usergroups.users.list"])
    await asyncio.sleep(0.5)  # the loop stopped with the bot
    assert len([c for c in slack.calls if c[0] == "usergroups.users.list"]) == before
