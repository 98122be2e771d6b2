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
