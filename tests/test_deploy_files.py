"""docker-compose.yml is checked by parsing it (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings
from bot.shards import Shards, overlap

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_the_bot_with_its_database_on_a_volume_and_no_inline_secrets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    svc = compose["services"]["quizbot"]
    assert svc["command"] == ["quizbot", "run"]
    assert interpolate(svc["environment"]["QUIZBOT_DB"], {}).startswith("/data/")  # SQLite unless set
    assert "quizbot-data:/data" in svc["volumes"] and "quizbot-data" in compose["volumes"]
    assert svc["env_file"][0]["path"] == ".env"
    text = (ROOT / "docker-compose.yml").read_text()
    assert "TOKEN=" not in text and "DISCORD_TOKEN:" not in text


def test_env_file_is_ignored_by_git() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_compose_has_a_slack_service_from_the_same_image_on_the_same_database() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    main, slack = compose["services"]["quizbot"], compose["services"]["quizbot-slack"]
    assert slack["command"] == ["quizbot", "run", "--platform", "slack"]
    assert slack["image"] == main["image"] and "build" in main and "build" not in slack  # built once
    assert slack["environment"]["QUIZBOT_DB"] == main["environment"]["QUIZBOT_DB"]
    assert "profiles" not in main and slack["profiles"] == ["slack"]
    assert slack["volumes"] == main["volumes"] and slack["env_file"] == main["env_file"]


# The Web API methods the Slack adapter calls, and the bot scope each needs (api.slack.com/methods).
SCOPES = {
    "chat_postMessage": "chat:write",
    "reactions_add": "reactions:write",
    "reactions_get": "reactions:read",
    "users_info": "users:read",
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
    "conversations_open": "im:write",  # the opt-in study reminder, by DM
    "usergroups_users_list": "usergroups:read",  # user groups as teams
    "files_upload_v2": "files:write",  # image cards: getUploadURLExternal + completeUploadExternal
}


def test_the_slack_manifest_grants_every_scope_the_adapter_uses() -> None:
    import re

    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "adapters" / "slack").glob("*.py"))
    used = set(
        re.findall(r"\.((?:chat|reactions|users|conversations|usergroups|files)_[A-Za-z_0-9]+)\(", source)
    )
    assert used, "no Web API calls found: the pattern is out of date"
    assert used <= set(SCOPES), f"add the scope of {used - set(SCOPES)} to SCOPES and the manifest"
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text())
    granted = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {SCOPES[m] for m in used} <= granted
    assert {"reaction_added", "reaction_removed"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


def test_the_image_installs_from_the_lock_without_editable_mode_and_checks_its_health() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    run = next(line for line in lines if line.startswith("RUN pip install"))
    assert "-c requirements.lock" in run and " -e " not in run  # the bank ships inside the package
    assert "COPY questions" not in "\n".join(lines)
    assert any(line.startswith("HEALTHCHECK") and '"quizbot", "health"' in line for line in lines)
    assert "EXPOSE 3000" in lines  # Slack's HTTP mode
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "*.sqlite3"} <= set(ignored)  # no secrets or databases in the image


def interpolate(value: object, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME-default} in a value, from `env` (as .env gives it)."""

    def one(match: re.Match[str]) -> str:
        name, sign, default = match.group(1), match.group(2), match.group(3) or ""
        found = env.get(name)
        if sign == ":-":
            return found if found else default
        if sign == "-":
            return default if found is None else found
        return found or ""

    return re.sub(r"\$\{(\w+)(:-|-)?([^}]*)\}", one, str(value))


# What README 'When one machine is not enough' puts in .env for the postgres profile.
POSTGRES_ENV = {
    "DISCORD_TOKEN": "not-a-token",
    "QUIZBOT_DB": "postgresql://quizbot:pw@postgres:5432/quizbot",
    "POSTGRES_PASSWORD": "pw",
    "QUIZBOT_SHARD_IDS": "0",
    "QUIZBOT_SHARD_COUNT": "2",
}


def container_env(service: dict[str, Any], dotenv: dict[str, str]) -> dict[str, str]:
    """What the process in the container sees: .env (env_file), then `environment:` over it."""
    env = dict(dotenv)
    env.update({k: interpolate(v, dotenv) for k, v in (service.get("environment") or {}).items()})
    return env


def test_the_postgres_profile_runs_postgresql_and_two_discord_processes_on_disjoint_shards() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    pg, second = services["postgres"], services["quizbot-shard-1"]
    assert pg["profiles"] == second["profiles"] == ["postgres"]
    assert pg["image"].startswith("postgres:18") and pg["volumes"] == ["quizbot-pg:/var/lib/postgresql"]
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"]) and "quizbot-pg" in compose["volumes"]
    assert interpolate(pg["environment"]["POSTGRES_PASSWORD"], POSTGRES_ENV) == "pw"  # from .env, not inline
    assert second["image"] == services["quizbot"]["image"] and "build" not in second
    assert second["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["quizbot"]["depends_on"]["postgres"]["required"] is False  # SQLite: no postgres service
    shards = []
    for name in ("quizbot", "quizbot-shard-1"):
        env = container_env(services[name], POSTGRES_ENV)
        settings = Settings.from_env(env).checked_shards()
        assert settings.db_url == POSTGRES_ENV["QUIZBOT_DB"]
        assert settings.shard_ids is not None and settings.shard_count is not None
        shards.append(Shards(settings.shard_ids, settings.shard_count))
    assert [s.ids for s in shards] == [(0,), (1,)] and not overlap(*shards)
    slack = Settings.from_env(container_env(services["quizbot-slack"], POSTGRES_ENV), platforms=False)
    assert (
        slack.shard_ids is None and slack.db_url == POSTGRES_ENV["QUIZBOT_DB"]
    )  # Slack on the same database


def test_without_the_postgres_settings_every_service_stays_on_the_sqlite_file() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("quizbot", "quizbot-slack"):
        settings = Settings.from_env(container_env(compose["services"][name], {"DISCORD_TOKEN": "x"}))
        assert settings.db_url is None and str(settings.db_path) == "/data/quizbot.sqlite3"
        assert settings.shard_ids is None
