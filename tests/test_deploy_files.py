"""docker-compose.yml is checked by parsing it (no Docker engine runs here)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_runs_the_bot_with_its_database_on_a_volume_and_no_inline_secrets() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    svc = compose["services"]["quizbot"]
    assert svc["command"] == ["quizbot", "run"]
    assert svc["environment"]["QUIZBOT_DB"].startswith("/data/")
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
