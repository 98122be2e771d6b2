"""The fake Discord's HTTP front door: routing below /api/v10, request bodies (JSON and multipart), the
request log, 429s that discord.py retries, and the scripted failures tests ask for (``rate_limit_next``,
``fail_next``, ``fail_after_next``, ``drop_next``). A layer of ``DiscordTestServer``
(tests/servers/discord.py); the route table itself is in ``DiscordTestServer.__init__``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from tests.servers.discord_gateway import DiscordGateway
from tests.servers.discord_model import API_PREFIX, DiscordHTTPError, _json

Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.StreamResponse]]


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.0
    code: int = 0
    message: str = ""
    after: bool = False  # fail once the request has taken effect (the reply is lost, not the request)
    drop: bool = False  # close the connection instead of answering


class DiscordHTTP(DiscordGateway):
    """Routing, bodies and scripted failures of the REST API."""

    _routes: list[tuple[str, list[str], Handler]]  # filled by DiscordTestServer.__init__

    # ------------------------------------------------------------------ scripted failures

    def rate_limit_next(self, method: str, path_regex: str, retry_after: float = 0.05) -> None:
        """The next matching request answers 429 like Discord (Via header, retry_after), so discord.py retries.

        path_regex is full-matched against the path below /api/v10 (e.g. r"/channels/3000/messages").
        """
        self._rules.append(_Rule(method.upper(), re.compile(path_regex), 429, 1, retry_after=retry_after))

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 500,
        times: int = 1,
        *,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """The next ``times`` matching requests fail with ``status`` and a Discord error body.

        discord.py retries 500/502/504/524 up to 5 times, sleeping 1, 3, 5, 7, 9 s; any other 5xx (e.g. 503)
        raises DiscordServerError at once, 403 Forbidden, 404 NotFound, other 4xx HTTPException.
        """
        text = message or {403: "Missing Permissions", 404: "Unknown Message"}.get(status, f"{status}: Error")
        self._rules.append(
            _Rule(method.upper(), re.compile(path_regex), status, times, code=code, message=text)
        )

    def fail_after_next(
        self, method: str, path_regex: str, status: int = 500, times: int = 1, *, message: str | None = None
    ) -> None:
        """The next ``times`` matching requests take effect (a message is created) but answer ``status``.

        A reply lost after the fact: a client that retries without a nonce creates the message twice.
        """
        text = message or f"{status}: Error"
        self._rules.append(
            _Rule(method.upper(), re.compile(path_regex), status, times, message=text, after=True)
        )

    def drop_next(self, method: str, path_regex: str, times: int = 1, *, after: bool = False) -> None:
        """The next ``times`` matching requests get no reply: the connection is closed.

        With ``after`` the request takes effect first (the client cannot tell which happened).
        """
        self._rules.append(_Rule(method.upper(), re.compile(path_regex), 0, times, after=after, drop=True))

    # ------------------------------------------------------------------ HTTP plumbing

    def _route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, pattern.strip("/").split("/"), handler))

    def _match(self, method: str, segments: list[str]) -> tuple[Handler, dict[str, str]] | None:
        for m, pattern, handler in self._routes:
            if m != method or len(pattern) != len(segments):
                continue
            params: dict[str, str] = {}
            for part, segment in zip(pattern, segments, strict=True):
                if part.startswith("{") and segment:
                    params[part[1:-1]] = segment
                elif part != segment:
                    break
            else:
                return handler, params
        return None

    async def _dispatch_request(self, request: web.Request) -> web.StreamResponse:
        raw = request.raw_path.split("?", 1)[0]
        if raw.rstrip("/") == "/gateway" and request.method == "GET" and "upgrade" in request.headers:
            return await self._gateway(request)
        if not raw.startswith(API_PREFIX + "/"):
            return _json({"message": "404: Not Found", "code": 0}, 404)
        segments = [unquote(s) for s in raw[len(API_PREFIX) :].strip("/").split("/")]
        path = "/" + "/".join(segments)
        method = request.method.upper()
        self.requests.append((method, path))
        body = await self._read_body(request)
        self.request_log.append({"method": method, "path": path, "query": dict(request.query), "json": body})
        await self._notify()

        rule = self._take_rule(method, path, after=False)
        if rule is not None:
            return self._rule_response(request, rule)

        found = self._match(method, segments)
        if found is None:
            return _json({"message": "Unknown route", "code": 0}, 404)
        handler, params = found
        needs_auth = segments[0] not in ("interactions", "webhooks", "gateway")
        if needs_auth and not request.headers.get("Authorization", "").startswith("Bot "):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        try:
            response = await handler(request, params, body)
        except DiscordHTTPError as exc:
            payload: dict[str, Any] = {"message": exc.message, "code": exc.code}
            if exc.errors:
                payload["errors"] = exc.errors
            response = _json(payload, exc.status)
        await self._notify()
        rule = self._take_rule(method, path, after=True)
        if rule is not None:
            return self._rule_response(request, rule)
        return response

    def _take_rule(self, method: str, path: str, *, after: bool) -> _Rule | None:
        for rule in self._rules:
            if rule.after == after and rule.method == method and _path_matches(rule.pattern, path):
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def _rule_response(self, request: web.Request, rule: _Rule) -> web.Response:
        if rule.drop:
            if request.transport is not None:
                request.transport.abort()  # no status line at all: the client sees a dropped connection
            return web.Response(status=500)
        if rule.status == 429:
            return self._too_many_requests(rule.retry_after)
        return _json({"message": rule.message, "code": rule.code}, rule.status)

    async def _read_body(self, request: web.Request) -> Any:
        if not request.body_exists:
            return None
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            payload: dict[str, Any] = {}
            files: list[dict[str, Any]] = []
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = await part.read()
                    files.append(
                        {"field": part.name, "filename": part.filename, "size": len(data), "data": data}
                    )
            payload["__files__"] = files
            return payload
        text = await request.text()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _too_many_requests(self, retry_after: float) -> web.Response:
        # discord.py retries a 429 only if it carries a Via header (otherwise it assumes a Cloudflare ban)
        # and a JSON body with retry_after.
        return _json(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            429,
            {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Scope": "user",
            },
        )


def _path_matches(pattern: re.Pattern[str], path: str) -> bool:
    return bool(pattern.fullmatch(path) or pattern.fullmatch(API_PREFIX + path))
