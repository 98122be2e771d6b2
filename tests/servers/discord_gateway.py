"""The fake Discord's gateway: the websocket sessions (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats,
RESUME with replay, INVALID_SESSION, REQUEST_GUILD_MEMBERS) and the dispatch events sent on them, filtered
by intents as Discord does. A layer of ``DiscordTestServer`` (tests/servers/discord.py).

Sharding as Discord does it: an IDENTIFY with ``"shard": [id, count]`` gets a READY (carrying that shard) and
GUILD_CREATEs for the guilds of that shard only (``(guild_id >> 22) % count == id``), and each event of a
guild is sent only on the sessions of the shard that owns it; events of no guild (DMs) go to shard 0. A
session without "shard" gets every guild, as before. Any number of sessions may be open at once, from one
client or several processes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.servers.discord_model import FakeGuild, _emoji_payload, shard_of
from tests.servers.discord_state import DiscordState

# Gateway intents that gate dispatch events (others are delivered regardless).
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_MESSAGE_CONTENT = 1 << 15
_EVENT_INTENTS = {
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": INTENT_GUILD_MESSAGE_REACTIONS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
}


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: _Session | None = None
    dropped: bool = False

    async def send_text(self, text: str) -> bool:
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
            return True


@dataclass(eq=False)
class _Session:
    id: str
    intents: int | None
    seq: int = 0
    buffer: list[tuple[int, str]] = field(default_factory=list)
    conn: _Conn | None = None
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shard: tuple[int, int] | None = None  # [id, count] from IDENTIFY; None: every guild

    def wants(self, event: str) -> bool:
        bit = _EVENT_INTENTS.get(event)
        return self.intents is None or bit is None or bool(self.intents & bit)

    def owns(self, guild_id: int | None) -> bool:
        """Whether this session's shard gets the events of `guild_id` (None: no guild, shard 0's)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (0 if guild_id is None else shard_of(guild_id, count)) == shard_id


def _guild_of_event(event: str, data: dict[str, Any]) -> int | None:
    """The guild a dispatch belongs to, for routing it to its shard; None for a DM or a malformed id."""
    if not isinstance(data, dict):  # tests send malformed events too
        return None
    value = data.get("guild_id")
    if value is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
        value = data.get("id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class DiscordGateway(DiscordState):
    """Gateway sessions and the events dispatched on them."""

    heartbeat_interval_ms = 41250

    async def drop_connection(
        self, *, resumable: bool = True, code: int = 4000, shard: int | None = None
    ) -> None:
        """Close every gateway socket (code 4000, so discord.py RESUMEs), or with ``shard`` only those of the
        sessions identified as that shard id.

        With ``resumable`` the sessions keep collecting events and replay them after RESUME; otherwise the
        sessions are forgotten and a RESUME gets INVALID_SESSION (the client then IDENTIFYs again).
        """

        def chosen(conn: _Conn) -> bool:
            session = conn.session
            return shard is None or (
                session is not None and session.shard is not None and session.shard[0] == shard
            )

        conns = [c for c in self._conns if not c.ws.closed and chosen(c)]
        if not conns:
            raise RuntimeError("no gateway connection to drop")
        for conn in conns:
            session = conn.session
            conn.dropped = True
            conn.session = None
            if session is not None:
                async with session.lock:
                    if session.conn is conn:
                        session.conn = None
                    if not resumable:
                        self._sessions.pop(session.id, None)
            await conn.ws.close(code=code, message=b"dropped by test")
        await self._notify()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an arbitrary dispatch event to every session (connected now, or buffered for RESUME) that wants
        it: by intents, and by shard (only the sessions of the shard owning the event's guild)."""
        guild = _guild_of_event(event, data)
        for session in list(self._sessions.values()):
            if not session.wants(event) or not session.owns(guild):
                continue
            async with session.lock:
                await self._emit(session, event, self._for_session(session, event, data))

    # ------------------------------------------------------------------ events

    def _for_session(self, session: _Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the MESSAGE_CONTENT intent, others' messages arrive without content (as on Discord)."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents is None:
            return data
        if session.intents & INTENT_MESSAGE_CONTENT:
            return data
        author = int(data.get("author", {}).get("id", 0))
        mentioned = any(int(u["id"]) == self.bot_id for u in data.get("mentions", []))
        if author == self.bot_id or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _emit(
        self, session: _Session, event: str, data: dict[str, Any], *, buffer: bool = True
    ) -> None:
        """Send one dispatch on a session (caller holds session.lock); kept for replay after RESUME."""
        session.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        if buffer:
            session.buffer.append((session.seq, text))
            del session.buffer[:-5000]
        if session.conn is not None:
            await session.conn.send_text(text)

    async def _dispatch_message(self, event: str, msg: dict[str, Any]) -> None:
        data = dict(msg)
        data.pop("allowed_mentions", None)
        if "guild_id" in msg:
            data["member"] = self._member_payload(
                int(msg["guild_id"]), int(msg["author"]["id"]), with_user=False
            )
        await self.dispatch(event, data)

    async def _dispatch_reaction(
        self, event: str, channel_id: int, message_id: int, user_id: int, key: str
    ) -> None:
        guild = self._guild_of_channel(channel_id)
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": _emoji_payload(key),
            "type": 0,
            "burst": False,
            "burst_colors": [],
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if event == "MESSAGE_REACTION_ADD":
                data["member"] = self._member_payload(guild.id, user_id)
        msg = self._find_message(message_id)
        if msg is not None and event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = msg["author"]["id"]
        await self.dispatch(event, data)

    # ------------------------------------------------------------------ the websocket

    def _session_guilds(self, session: _Session) -> list[FakeGuild]:
        return [g for g in self.guilds if session.owns(g.id)]

    def _ready_payload(self, session: _Session) -> dict[str, Any]:
        extra = {} if session.shard is None else {"shard": list(session.shard)}
        return {
            **extra,
            "v": 10,
            "user": self._bot_user(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._session_guilds(session)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = _Conn(ws)
        self._conns.add(conn)
        try:
            await conn.send_text(
                json.dumps(
                    {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
                )
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(conn, json.loads(msg.data))
        finally:
            self._conns.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if ws.close_code in (1000, 1001):  # the client closed on purpose: Discord ends the session
                    self._sessions.pop(session.id, None)
            await self._notify()
        return ws

    async def _on_gateway_payload(self, conn: _Conn, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # HEARTBEAT
            await conn.send_text(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
        elif op == 2:  # IDENTIFY
            await self._identify(conn, d or {})
        elif op == 6:  # RESUME
            await self._resume(conn, d or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            await self._request_members(conn, d or {})
        # op 3 (presence), 4 (voice state) are accepted and ignored

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        self.identify_count += 1
        self.identify_payloads.append({k: v for k, v in d.items() if k != "token"})
        intents = d.get("intents")
        shard = d.get("shard")
        if shard is None and self.sharding_required:
            await conn.ws.close(code=4011, message=b"Sharding required")  # a bot in too many guilds for one
            return
        if shard is not None:
            valid = isinstance(shard, list) and len(shard) == 2 and all(isinstance(x, int) for x in shard)
            if not valid or not 0 <= shard[0] < shard[1]:
                await conn.ws.close(code=4010, message=b"Invalid shard")  # as Discord answers it
                return
            self.shard_identifies.append((shard[0], shard[1]))
        session = _Session(id=uuid.uuid4().hex, intents=int(intents) if intents is not None else None)
        session.shard = None if shard is None else (shard[0], shard[1])
        self._sessions[session.id] = session
        async with session.lock:
            session.conn = conn
            conn.session = session
            await self._emit(session, "READY", self._ready_payload(session))
            for guild in self._session_guilds(session):
                await self._emit(session, "GUILD_CREATE", self._guild_payload(guild))
            session.ready = True
        await self._notify()

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.conn is not None:
            await conn.send_text(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return
        last = int(d.get("seq") or 0)
        async with session.lock:
            session.conn = conn
            conn.session = session
            for seq, text in session.buffer:
                if seq > last:
                    self.replayed.append(json.loads(text)["t"])
                    await conn.send_text(text)
            await self._emit(session, "RESUMED", {"_trace": ["fake-discord"]}, buffer=False)
            session.ready = True
        self.resume_count += 1
        await self._notify()

    async def _request_members(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = conn.session
        guild = self._guild(int(d.get("guild_id", 0)))
        if session is None or guild is None or not session.owns(guild.id):
            return
        ids = self._member_ids(guild)
        if d.get("user_ids"):
            wanted = {int(u) for u in d["user_ids"]}
            ids = [u for u in ids if u in wanted]
        query = (d.get("query") or "").lower()
        if query:
            ids = [u for u in ids if self._user(u)["username"].lower().startswith(query)]
        if d.get("limit"):
            ids = ids[: int(d["limit"])]
        chunk = {
            "guild_id": str(guild.id),
            "members": [self._member_payload(guild.id, u) for u in ids],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)
