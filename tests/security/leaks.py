"""Distinctive secret values and the check that finds any of them (whole or in part) in text or log records."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable

# Distinctive values: each has a core that appears nowhere else, so a partial leak is found too.
DISCORD_TOKEN = "MTAx.QzQz.d1sc0rd-T0KEN-c0re-7f3a9"
DISCORD_WRONG = "MTAx.QzQz.wr0ng-D1SC0RD-c0re-22b1"
SLACK_BOT_TOKEN = "xoxb-1111-sl4ckB0T-c0re-9e8d7"
SLACK_APP_TOKEN = "xapp-1-A1-sl4ckAPP-c0re-4c3b2"
SLACK_SIGNING_SECRET = "s1gn1ng-S3CR3T-c0re-a1b2c3"
SLACK_WRONG_BOT = "xoxb-2222-wr0ngB0T-c0re-5f6e"
SLACK_WRONG_APP = "xapp-1-A1-wr0ngAPP-c0re-0d9c"
SECRETS = {
    "DISCORD_TOKEN": DISCORD_TOKEN,
    "wrong DISCORD_TOKEN": DISCORD_WRONG,
    "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
    "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
    "wrong SLACK_BOT_TOKEN": SLACK_WRONG_BOT,
    "wrong SLACK_APP_TOKEN": SLACK_WRONG_APP,
}
LOGGERS = (
    "",
    "bot",
    "quizbot",
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "apscheduler",
    "asyncio",
    "aiosqlite",
)
EVIL = "@everyone @here <@&123456789012345678> <!channel> <!here> <!everyone> <@U0EVIL> **b** _i_ ~~s~~ `c` ||p|| & > q"


def _cores(value: str) -> list[str]:
    """The whole secret and its distinctive middle, so a shortened or partly masked copy is caught too."""
    return [
        value,
        next(part for part in value.split("-") if any(ch.isdigit() for ch in part) and len(part) >= 6),
    ]


def secrets_in(text: str) -> list[str]:
    """Names of the secrets that appear in `text`."""
    return [name for name, value in SECRETS.items() if any(core in text for core in _cores(value))]


def record_text(record: logging.LogRecord) -> str:
    """Everything of a log record a handler could write: message, raw args, exception and stack."""
    parts = [str(record.msg), repr(record.args), record.exc_text or "", record.stack_info or ""]
    try:
        parts.append(record.getMessage())
    except Exception as exc:  # a bad format string is the library's problem; its raw parts are above
        parts.append(repr(exc))
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


def leaked(records: Iterable[logging.LogRecord]) -> list[str]:
    return [
        f"{s} in {r.name} ({r.levelname}): {r.getMessage()[:300]!r}"
        for r in records
        for s in secrets_in(record_text(r))
    ]
