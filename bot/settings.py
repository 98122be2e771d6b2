"""Typed settings from the environment and ./.env, built once in main and passed down. Tokens are secrets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .core.errors import quoted

# The shipped bank is package data, so a plain `pip install .` (not only an editable one) carries it.
# (`questions/` at the top of a checkout is a link to it, for authors.)
QUESTIONS_DIR = Path(str(resources.files("bot") / "questions"))
ENV_FILE = ".env"  # read from the working folder; a variable set in the environment wins over it
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# What each checked variable takes, for the one-line error that names it.
_ALLOWED = {
    "QUIZBOT_LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case)",
    "QUIZBOT_SLACK_PORT": "a port number from 1 to 65535",
    "QUIZBOT_LEASE_SECONDS": "a number of seconds of at least 1",
    "QUIZBOT_SHARD_COUNT": "a whole number of at least 1",
}
LEASE_SECONDS = 30.0  # one bot per platform on a database (bot/lease.py); renewed every third of it
SECRETS = frozenset({"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"})
NO_PLATFORM = (
    "set DISCORD_TOKEN for Discord, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or "
    "SLACK_SIGNING_SECRET (HTTP mode) for Slack, in the environment or in .env"
)


def is_postgres_url(value: str | None) -> bool:
    """Whether QUIZBOT_DB / --db names a PostgreSQL server (the same test as bot/storage/postgres/url.py)."""
    return bool(value) and str(value).startswith(("postgresql://", "postgres://"))


class SettingsError(ValueError):
    """A setting the bot cannot use; the text names the variable and what it takes, never a secret."""


class _Common(BaseSettings):
    """The variables every command reads."""

    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        case_sensitive=True,
        extra="ignore",  # the environment and .env hold much that is not ours
    )

    db: str | None = Field(default=None, validation_alias="QUIZBOT_DB")
    questions: str | None = Field(default=None, validation_alias="QUIZBOT_QUESTIONS")
    log_level: LogLevel = Field(default="INFO", validation_alias="QUIZBOT_LOG_LEVEL")
    data_home: str | None = Field(default=None, validation_alias="XDG_DATA_HOME")
    lease_seconds: float = Field(
        default=LEASE_SECONDS, ge=1, allow_inf_nan=False, validation_alias="QUIZBOT_LEASE_SECONDS"
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise PydanticUseDefault()
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper() in get_args(LogLevel):
            return value.upper()
        return value  # as given, so that the error shows what the user wrote


class _Platforms(_Common):
    """Also the tokens and platform options, which only `quizbot run` reads."""

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_url: str | None = Field(default=None, validation_alias="QUIZBOT_DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, validation_alias="QUIZBOT_DISCORD_GATEWAY_URL")
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str | None = Field(default=None, validation_alias="QUIZBOT_SLACK_API_URL")
    slack_port: int = Field(default=3000, ge=1, le=65535, validation_alias="QUIZBOT_SLACK_PORT")
    slack_admins: str | None = Field(default=None, validation_alias="QUIZBOT_SLACK_ADMINS")
    schedule_cron: str | None = Field(default=None, validation_alias="QUIZBOT_SCHEDULE")
    schedule_timezone: str = Field(default="UTC", validation_alias="QUIZBOT_TIMEZONE")
    shard_ids: str | None = Field(default=None, validation_alias="QUIZBOT_SHARD_IDS")
    shard_count: int | None = Field(default=None, ge=1, validation_alias="QUIZBOT_SHARD_COUNT")


class _OnlyGiven(BaseSettings):
    """Read only the keyword arguments: `from_env(mapping)` means exactly that mapping (tests, benchmarks)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class _CommonGiven(_OnlyGiven, _Common):
    pass


class _PlatformsGiven(_OnlyGiven, _Platforms):
    pass


def _problem(exc: ValidationError) -> SettingsError:
    """One line naming each bad variable, what it takes and (unless secret) what it was."""
    parts = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "a setting"
        allowed = _ALLOWED.get(name, str(err["msg"]).lower())
        value = err.get("input")
        shown = f", not {quoted(value)}" if isinstance(value, str) and name not in SECRETS else ""
        parts.append(f"{name} must be {allowed}{shown}")
    return SettingsError("; ".join(parts))


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """'0,1' -> (0, 1): shard numbers from 0, comma-separated, each once; ValueError says what is wrong."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and part.isascii() for part in parts):
        raise ValueError(f"must be shard numbers from 0 separated by commas, e.g. 0,1, not {quoted(text)}")
    ids = tuple(int(part) for part in parts)
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"names shard {', '.join(map(str, twice))} more than once ({quoted(text)})")
    return ids


def _read(env: Mapping[str, str] | None, platforms: bool) -> _Common:
    if env is not None:
        given: dict[str, Any] = dict(env)
        return _PlatformsGiven(**given) if platforms else _CommonGiven(**given)
    try:
        return _Platforms() if platforms else _Common()
    except (OSError, UnicodeDecodeError) as exc:  # .env unreadable: say which file, not a traceback
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SettingsError(f"{Path(ENV_FILE).resolve()}: cannot read it: {reason}") from None


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
    lease_seconds: float = LEASE_SECONDS
    # QUIZBOT_DB as a postgresql:// URL: the PostgreSQL store instead of db_path's file.
    db_url: str | None = None
    # Discord shards this process serves (QUIZBOT_SHARD_IDS / --shard-ids) of shard_count in all (a guild is on
    # shard (guild_id >> 22) % shard_count). Both None: one process, every guild. `quizbot run` sets ids to every
    # shard when only the count is given, so ids and count are both None or both set after checked_shards.
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None

    @property
    def database(self) -> str | Path:
        """What the store opens: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.db_url or self.db_path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, platforms: bool = True) -> Settings:
        """Read QUIZBOT_* and the platform tokens (only those of every command when `platforms` is false).

        With `env`, from that mapping alone; without, from the process environment over ./.env.
        Raise SettingsError naming the variable when a value cannot be used.
        """
        try:
            raw = _read(env, platforms)
        except ValidationError as exc:
            raise _problem(exc) from None
        data = Path(raw.data_home) if raw.data_home else Path.home() / ".local" / "share"
        url = raw.db if is_postgres_url(raw.db) else None
        common: dict[str, Any] = {
            "db_path": Path(raw.db).expanduser()
            if raw.db and not url
            else data / "quizbot" / "quizbot.sqlite3",
            "db_url": url,
            "questions": (
                tuple(Path(p).expanduser() for p in raw.questions.split(os.pathsep) if p)
                if raw.questions
                else (QUESTIONS_DIR,)
            ),
            "log_level": raw.log_level,
            "lease_seconds": raw.lease_seconds,
        }
        if not isinstance(raw, _Platforms):
            return cls(**common)
        try:
            shard_ids = parse_shard_ids(raw.shard_ids) if raw.shard_ids else None
        except ValueError as exc:
            raise SettingsError(f"QUIZBOT_SHARD_IDS {exc}") from None
        return cls(
            **common,
            discord_token=raw.discord_token,
            discord_api_url=raw.discord_api_url,
            discord_gateway_url=raw.discord_gateway_url,
            slack_bot_token=raw.slack_bot_token,
            slack_app_token=raw.slack_app_token,
            slack_signing_secret=raw.slack_signing_secret,
            slack_api_url=raw.slack_api_url,
            slack_port=raw.slack_port,
            slack_admins=frozenset(u.strip() for u in (raw.slack_admins or "").split(",") if u.strip()),
            schedule_cron=raw.schedule_cron,
            schedule_timezone=raw.schedule_timezone,
            shard_ids=shard_ids,
            shard_count=raw.shard_count,
        )

    def checked_shards(
        self, ids_name: str = "QUIZBOT_SHARD_IDS", count_name: str = "QUIZBOT_SHARD_COUNT"
    ) -> Settings:
        """These settings with the shards checked together (the names say where each came from): ids need a
        count and each is below it; a count alone means every shard of it, in this process."""
        ids, count = self.shard_ids, self.shard_count
        if count is None:
            if ids is not None:
                raise SettingsError(
                    f"{ids_name} needs {count_name} too: how many shards the bot has in all, "
                    "e.g. --shard-ids 0,1 --shard-count 4"
                )
            return self
        if count < 1:
            raise SettingsError(f"{count_name} must be a whole number of at least 1, not {count}")
        if ids is None:
            return replace(self, shard_ids=tuple(range(count)))
        beyond = [i for i in ids if i >= count]
        if beyond:
            raise SettingsError(
                f"{ids_name} names shard {beyond[0]}, but {count_name} is {count}: "
                f"shards are numbered 0 to {count - 1}"
            )
        return self

    def default_platform(self) -> str:
        """Discord when its token is set, else Slack when its tokens are, else the console."""
        if self.discord_token:
            return "discord"
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            return "slack"
        return "console"

    def check_slack_pair(self) -> None:
        """Refuse half of Slack's tokens, which would otherwise fall back to the console unsaid."""
        second = self.slack_app_token or self.slack_signing_secret
        if self.discord_token or bool(self.slack_bot_token) == bool(second):
            return
        if self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET "
                "(HTTP mode) is: set one of them too, or unset SLACK_BOT_TOKEN for the console"
            )
        which = "SLACK_APP_TOKEN" if self.slack_app_token else "SLACK_SIGNING_SECRET"
        raise SettingsError(
            f"{which} is set but SLACK_BOT_TOKEN (xoxb-...) is not: set it too, or unset {which} for the console"
        )
