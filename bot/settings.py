"""Typed settings from the environment, built once in main and passed down. Tokens are secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import SecretStr

# The shipped bank is package data, so a plain `pip install .` (not only an editable one) carries it.
# (`questions/` at the top of a checkout is a link to it, for authors.)
QUESTIONS_DIR = Path(str(resources.files("bot") / "questions"))


def _data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "quizbot"


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"QUIZBOT_SLACK_PORT must be a port number (1-65535), not '{text}'")
    return int(text)


def _secret(env: Mapping[str, str], key: str) -> SecretStr | None:
    value = env.get(key, "").strip()
    return SecretStr(value) if value else None


@dataclass(frozen=True)
class Settings:
    """Everything configurable from the environment (see README 'Settings')."""

    db_path: Path
    questions: tuple[Path, ...]
    log_level: str = "INFO"
    discord_token: SecretStr | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    slack_port: int = 3000
    slack_admins: frozenset[str] = frozenset()
    schedule_cron: str | None = None
    schedule_timezone: str = "UTC"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read QUIZBOT_* and the platform tokens."""
        env = os.environ if env is None else env
        questions = env.get("QUIZBOT_QUESTIONS")
        return cls(
            db_path=Path(env.get("QUIZBOT_DB") or _data_dir(env) / "quizbot.sqlite3"),
            questions=tuple(Path(p) for p in questions.split(os.pathsep)) if questions else (QUESTIONS_DIR,),
            log_level=env.get("QUIZBOT_LOG_LEVEL", "INFO").upper(),
            discord_token=_secret(env, "DISCORD_TOKEN"),
            discord_api_url=env.get("QUIZBOT_DISCORD_API_URL") or None,
            discord_gateway_url=env.get("QUIZBOT_DISCORD_GATEWAY_URL") or None,
            slack_bot_token=_secret(env, "SLACK_BOT_TOKEN"),
            slack_app_token=_secret(env, "SLACK_APP_TOKEN"),
            slack_signing_secret=_secret(env, "SLACK_SIGNING_SECRET"),
            slack_api_url=env.get("QUIZBOT_SLACK_API_URL") or None,
            slack_port=_port(env.get("QUIZBOT_SLACK_PORT", "3000")),
            slack_admins=frozenset(
                u.strip() for u in env.get("QUIZBOT_SLACK_ADMINS", "").split(",") if u.strip()
            ),
            schedule_cron=env.get("QUIZBOT_SCHEDULE") or None,
            schedule_timezone=env.get("QUIZBOT_TIMEZONE") or "UTC",
        )

    def default_platform(self) -> str:
        """Discord when its token is set, else Slack when its tokens are, else the console."""
        if self.discord_token:
            return "discord"
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            return "slack"
        return "console"
