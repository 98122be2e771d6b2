"""The fake Discord server against a bare, real discord.py 2.7 client: every feature the adapter relies on."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.servers.discord import DiscordTestServer

with warnings.catch_warnings():
    # discord.py imports the stdlib audioop module, deprecated since 3.11; warnings are errors here.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

QUIZ = 3000
GUILD = 2000
RED_TEAM = 2100


class Recorder(discord.Client):
    """A bare client that remembers every event it dispatched (name, args)."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.events: list[tuple[str, tuple[Any, ...]]] = []

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        self.events.append((event_name, args))
        super().dispatch(event_name, *args, **kwargs)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every non-initial IDENTIFY; tests need not wait."""

    def seen(self, event_name: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.events if name == event_name]


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordTestServer]:
    srv = DiscordTestServer()
    await srv.start()
    srv.patch_client_urls(monkeypatch)
    yield srv
    await srv.stop()


@pytest.fixture
async def client(server: DiscordTestServer) -> AsyncIterator[Recorder]:
    bot = Recorder()
    runner = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(runner, 5)


def quiz_channel(client: discord.Client) -> discord.TextChannel:
    channel = client.get_channel(QUIZ)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_login_and_ready_show_the_guild_channels_and_roles(
    server: DiscordTestServer, client: Recorder
) -> None:
    assert client.user is not None and client.user.id == server.bot_id and client.user.bot
    assert client.application_id == server.application_id
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.name == "Study Group" and guild.owner_id == 4000
    assert [(c.id, c.name) for c in guild.text_channels] == [(3000, "quiz"), (3001, "general")]
    assert guild.get_role(RED_TEAM) is not None and guild.get_role(RED_TEAM).name == "Red Team"  # type: ignore[union-attr]
    assert guild.me is not None and guild.me.id == server.bot_id
    assert quiz_channel(client).permissions_for(guild.me).add_reactions
    assert ("GET", "/users/@me") in server.requests
    assert ("GET", "/oauth2/applications/@me") in server.requests
    assert server.identify_count == 1 and server.resume_count == 0
    assert server.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert len(client.seen("ready")) == 1


async def test_sent_message_is_stored_and_comes_back_as_message_create(
    server: DiscordTestServer, client: Recorder
) -> None:
    channel = quiz_channel(client)
    echoed = client.wait_for("message", check=lambda m: m.content == "Q1: what is EDA?", timeout=5)
    sent = await channel.send(
        "Q1: what is EDA?",
        embed=discord.Embed(title="Question 1", description="pick one"),
        allowed_mentions=discord.AllowedMentions.none(),
    )
    message = await echoed
    assert message.id == sent.id and message.author.id == server.bot_id and message.guild is not None

    stored = server.messages[sent.id]
    assert stored["content"] == "Q1: what is EDA?"
    assert stored["embeds"][0]["title"] == "Question 1"
    assert stored["allowed_mentions"] == {"parse": []}
    assert stored["author"]["id"] == str(server.bot_id)
    assert server.channel_messages(QUIZ) == [stored]

    reply = await sent.reply("answer: exploratory data analysis", mention_author=False)
    assert server.messages[reply.id]["message_reference"]["message_id"] == str(sent.id)
    assert reply.reference is not None and reply.reference.message_id == sent.id
    assert len(await server.wait_for_messages(QUIZ, 2)) == 2

    await sent.edit(content="Q1 (closed)")
    assert server.messages[sent.id]["content"] == "Q1 (closed)"
    await reply.delete()
    assert reply.id not in server.messages and reply.id in server.deleted_messages


async def test_bot_reactions_via_the_client_are_stored(server: DiscordTestServer, client: Recorder) -> None:
    sent = await quiz_channel(client).send("Q2")
    own = client.wait_for("raw_reaction_add", check=lambda p: p.message_id == sent.id, timeout=5)
    for emoji in ("🇦", "🇧", "<:quiz:123456789012345678>"):
        await sent.add_reaction(emoji)
    assert server.reactions[sent.id] == {"🇦": [1001], "🇧": [1001], "quiz:123456789012345678": [1001]}
    assert ("PUT", f"/channels/{QUIZ}/messages/{sent.id}/reactions/🇦/@me") in server.requests
    payload = await own
    assert payload.user_id == server.bot_id and str(payload.emoji) == "🇦"

    await sent.remove_reaction("🇧", discord.Object(server.bot_id))
    assert "🇧" not in server.reactions[sent.id]


async def test_server_reactions_reach_the_client_with_member_and_ids(
    server: DiscordTestServer, client: Recorder
) -> None:
    sent = await quiz_channel(client).send("Q3")
    added = client.wait_for("raw_reaction_add", check=lambda p: p.user_id == 4001, timeout=5)
    await server.add_reaction(QUIZ, sent.id, 4001, "🇨", name="ann", roles=[RED_TEAM])
    payload = await added
    assert (payload.message_id, payload.channel_id, payload.guild_id) == (sent.id, QUIZ, GUILD)
    assert payload.emoji.name == "🇨" and payload.emoji.id is None
    assert payload.type is discord.ReactionType.normal and not payload.burst
    assert payload.event_type == "REACTION_ADD"
    member = payload.member
    assert member is not None and member.id == 4001 and not member.bot
    assert member.name == "ann" and member.display_name == "ann"
    assert [r.id for r in member.roles] == [GUILD, RED_TEAM]
    assert server.reactions[sent.id] == {"🇨": [4001]}

    removed = client.wait_for("raw_reaction_remove", check=lambda p: p.user_id == 4001, timeout=5)
    await server.remove_reaction(QUIZ, sent.id, 4001, "🇨")
    gone = await removed
    assert (gone.message_id, gone.guild_id, gone.emoji.name) == (sent.id, GUILD, "🇨")
    assert server.reactions[sent.id] == {}


async def test_reaction_users_paginate_through_all_250(server: DiscordTestServer, client: Recorder) -> None:
    channel = quiz_channel(client)
    sent = await channel.send("Q4")
    everyone = list(range(5000, 5250))
    for uid in reversed(everyone):  # stored out of order on purpose; pages are sorted by user id
        server.add_reaction_silently(QUIZ, sent.id, uid, "🇦")
    path = f"/channels/{QUIZ}/messages/{sent.id}/reactions/🇦"

    # The raw endpoint: pages of 100 by ascending user id, `after` the last id seen.
    ids: list[int] = []
    after: int | None = None
    for _ in range(5):
        page = await client.http.get_reaction_users(QUIZ, sent.id, "🇦", 100, after=after)
        ids += [int(u["id"]) for u in page]
        if len(page) < 100:
            break
        after = int(page[-1]["id"])
    assert ids == everyone
    assert server.requests.count(("GET", path)) == 3

    # Reaction.users() on a fetched message (count comes from the message's reactions).
    fetched = await channel.fetch_message(sent.id)
    assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("🇦", 250, False)]
    users = [u.id async for u in fetched.reactions[0].users()]
    assert sorted(users) == everyone and len(users) == 250
    assert server.requests.count(("GET", path)) == 6


@pytest.fixture
async def tree(server: DiscordTestServer, client: Recorder) -> app_commands.CommandTree[Recorder]:
    tree: app_commands.CommandTree[Recorder] = app_commands.CommandTree(client)
    guild = discord.Object(GUILD)

    @tree.command(name="quiz", description="Start a quiz", guild=guild)
    @app_commands.describe(topic="The topic")
    async def quiz(interaction: discord.Interaction, topic: str) -> None:
        assert interaction.user.id == 4001 and isinstance(interaction.user, discord.Member)
        red = [r.id for r in interaction.user.roles if r.id == RED_TEAM]
        await interaction.response.send_message(f"quiz on {topic} {red}", ephemeral=True)

    @quiz.autocomplete("topic")
    async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t)
            for t in ("eda", "etl", "eval", "ops")
            if t.startswith(current)
        ]

    @tree.command(name="slow", description="Think first", guild=guild)
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="done thinking")
        await interaction.followup.send("and one more thing", ephemeral=True)

    synced = await tree.sync(guild=guild)
    assert sorted(c.name for c in synced) == ["quiz", "slow"]
    return tree


async def test_slash_command_syncs_and_runs_with_an_ephemeral_reply(
    server: DiscordTestServer, client: Recorder, tree: app_commands.CommandTree[Recorder]
) -> None:
    commands = {c["name"]: c for c in server.registered_commands[GUILD]}
    assert set(commands) == {"quiz", "slow"} and None not in server.registered_commands
    [topic] = commands["quiz"]["options"]
    assert topic["name"] == "topic" and topic["type"] == 3 and topic["autocomplete"]
    assert ("PUT", f"/applications/{server.application_id}/guilds/{GUILD}/commands") in server.requests

    iid = await server.interact("quiz", [{"name": "topic", "type": 3, "value": "eda"}], roles=[RED_TEAM])
    [body] = await server.wait_for_response(iid)
    assert body["type"] == 4
    assert body["data"]["content"] == "quiz on eda [2100]" and body["data"]["flags"] == 64
    original = server.interaction_message(iid)  # ephemeral: kept aside, not posted in the channel
    assert original is not None and original["content"] == "quiz on eda [2100]"
    assert int(original["id"]) not in server.messages

    iid = await server.interact("slow")
    bodies = await server.wait_for_response(iid, 3)
    assert bodies[0] == {"type": 5, "data": {"flags": 64}}
    assert bodies[1]["content"] == "done thinking"
    assert bodies[2]["content"] == "and one more thing" and bodies[2]["flags"] == 64
    assert server.channel_messages(QUIZ) == []


async def test_autocomplete_round_trip(
    server: DiscordTestServer, client: Recorder, tree: app_commands.CommandTree[Recorder]
) -> None:
    iid = await server.interact("quiz", [{"name": "topic", "type": 3, "value": "e", "focused": True}], type=4)
    [body] = await server.wait_for_response(iid)
    assert body["type"] == 8
    assert [c["value"] for c in body["data"]["choices"]] == ["eda", "etl", "eval"]


async def test_button_click_updates_the_message(server: DiscordTestServer, client: Recorder) -> None:
    view = discord.ui.View(timeout=None)
    button: discord.ui.Button[discord.ui.View] = discord.ui.Button(label="A", custom_id="answer:a")

    async def pressed(interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=f"{interaction.user.name} chose A", view=None)

    button.callback = pressed  # type: ignore[method-assign]
    view.add_item(button)
    sent = await quiz_channel(client).send("Q5", view=view)
    assert server.messages[sent.id]["components"][0]["components"][0]["custom_id"] == "answer:a"

    iid = await server.click(QUIZ, sent.id, "answer:a", username="bo", user_id=4002)
    [body] = await server.wait_for_response(iid)
    assert body["type"] == 7
    assert (
        server.messages[sent.id]["content"] == "bo chose A" and server.messages[sent.id]["components"] == []
    )


async def test_a_429_is_retried_and_the_message_lands_once(
    server: DiscordTestServer, client: Recorder
) -> None:
    server.rate_limit_next("POST", rf"/channels/{QUIZ}/messages", retry_after=0.05)
    sent = await quiz_channel(client).send("after the rate limit")
    assert server.requests.count(("POST", f"/channels/{QUIZ}/messages")) == 2
    assert [m["content"] for m in server.channel_messages(QUIZ)] == ["after the rate limit"]
    assert server.channel_messages(QUIZ)[0]["id"] == str(sent.id)


async def test_scripted_failures_surface_as_discord_errors(
    server: DiscordTestServer, client: Recorder
) -> None:
    server.fail_next("POST", rf"/channels/{QUIZ}/messages", status=403, code=50013)
    with pytest.raises(discord.Forbidden) as err:
        await quiz_channel(client).send("nope")
    assert err.value.code == 50013 and server.channel_messages(QUIZ) == []
    await quiz_channel(client).send("yes")
    assert [m["content"] for m in server.channel_messages(QUIZ)] == ["yes"]

    with pytest.raises(discord.NotFound, match="Unknown route"):
        await client.http.request(discord.http.Route("GET", "/no/such/route"))
    assert server.requests[-1] == ("GET", "/no/such/route")

    with pytest.raises(discord.HTTPException, match="empty message"):
        await client.http.send_message(QUIZ, params=discord.http.MultipartParameters({}, None, None))


async def test_dropped_gateway_resumes_and_replays_missed_events(
    server: DiscordTestServer, client: Recorder
) -> None:
    sent = await quiz_channel(client).send("Q6")
    session = client.ws.session_id
    resumed = client.wait_for("resumed", timeout=5)
    missed = client.wait_for("raw_reaction_add", check=lambda p: p.user_id == 4003, timeout=5)

    await server.drop_connection()
    await server.add_reaction(QUIZ, sent.id, 4003, "🇩", name="cy")  # while the client is away

    await resumed
    payload = await missed
    assert payload.message_id == sent.id and payload.member is not None and payload.member.name == "cy"
    assert server.replayed == ["MESSAGE_REACTION_ADD"]
    assert (server.resume_count, server.identify_count) == (1, 1)
    assert client.ws.session_id == session
    await server.wait_connected()

    # and the connection still works afterwards
    echoed = client.wait_for("message", check=lambda m: m.content == "still here", timeout=5)
    await quiz_channel(client).send("still here")
    await echoed


async def test_unresumable_drop_makes_the_client_identify_again(
    server: DiscordTestServer, client: Recorder
) -> None:
    ready_again = client.wait_for("ready", timeout=5)
    await server.drop_connection(resumable=False)
    await ready_again
    await server.wait_connected()
    assert (server.identify_count, server.resume_count) == (2, 0)
    assert client.get_guild(GUILD) is not None
