"""The fake Slack's HTTP front door: Web API calls under /api/{method} (arguments from the query, JSON or
form bodies; tokens; the call log), the scripted failures tests ask for (``rate_limit_next``,
``fail_next``, ``fail_after_next``, ``drop_next``, ``delays``) and the response_url endpoint.

A layer of ``SlackTestServer`` (tests/servers/slack.py); the methods themselves are in slack_web_api.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from tests.servers.slack_state import SlackApiFailure, SlackState


class SlackHTTP(SlackState):
    """Web API requests, scripted failures and response_url posts."""

    # -- failure injection -----------------------------------------------------------------------

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """The next call of `method` answers 429 + Retry-After and {"ok": false, "error": "ratelimited"}."""
        self._rate_limits.setdefault(method, []).append(retry_after)

    def fail_next(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 200
    ) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error} with HTTP `status`."""
        self._failures.setdefault(method, []).extend([(error, status)] * times)

    def fail_after_next(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 500
    ) -> None:
        """The next `times` calls of `method` take effect, then answer {"ok": false, "error": error} with `status`."""
        self._failures_after.setdefault(method, []).extend([(error, status)] * times)

    def drop_next(self, method: str, times: int = 1, *, after: bool = False) -> None:
        """The next `times` calls of `method` get no reply (the connection closes); `after`: once it took effect."""
        self._drops.setdefault(method, []).extend([after] * times)

    # -- HTTP handlers ---------------------------------------------------------------------------

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        if rid not in self.response_urls:
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        self.responses.append({**body, "response_url_id": rid})
        self._notify()
        return web.json_response({"ok": True})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal returned: the file's bytes, raw or as a multipart file."""
        record = self.files.get(request.match_info["file_id"])
        if record is None or record["completed"]:
            return web.Response(status=404, text="file not found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = next((v for v in form.values() if not isinstance(v, str)), None)
            data = part.file.read() if part is not None else b""
        else:
            data = await request.read()
        self.calls.append(("upload", {"file_id": record["id"], "size": len(data)}))
        record["data"] = data
        self._notify()
        return web.Response(text=f"OK - {len(data)}")

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = json.loads(await request.text() or "{}")
                if isinstance(body, dict):
                    args.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                await request.read()
        for key in ("blocks", "attachments", "metadata"):
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            self.calls.append((method, {}))
            self._notify()
            return web.json_response({"ok": False, "error": "invalid_json"})
        token = args.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip()
        self.calls.append((method, args))
        self._notify()

        handler = getattr(self, self.METHODS[method]) if method in self.METHODS else None
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if not token.startswith(("xoxb-", "xapp-")):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        wants_app_token = method == "apps.connections.open"
        if token.startswith("xapp-") != wants_app_token:
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})

        if self._rate_limits.get(method):
            retry_after = self._rate_limits[method].pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        if self._failures.get(method):
            error, status = self._failures[method].pop(0)
            return web.json_response({"ok": False, "error": error}, status=status)
        if self.delays.get(method):  # a slow Slack: e.g. users.info taking a while under load
            await asyncio.sleep(self.delays[method])
        drop_after = self._drops[method].pop(0) if self._drops.get(method) else None
        if drop_after is False:
            return self._drop(request)

        try:
            result = handler(args, token)
        except SlackApiFailure as exc:
            return web.json_response({"ok": False, "error": exc.error, **exc.extra})
        self._notify()
        if drop_after:
            return self._drop(request)
        if self._failures_after.get(method):
            error, status = self._failures_after[method].pop(0)
            return web.json_response({"ok": False, "error": error}, status=status)
        return web.json_response({"ok": True, **result})

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.abort()  # no status line: the client sees the server disconnect
        return web.Response(status=500)
