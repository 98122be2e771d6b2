"""Settings: typed values from the environment over ./.env, and one-line errors that name the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import QUESTIONS_DIR, Settings, SettingsError

OURS = ("QUIZBOT_", "DISCORD_", "SLACK_", "XDG_DATA_HOME")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working folder with no .env and an environment with none of our variables."""
    for key in list(os.environ):
        if key.startswith(OURS):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_mapping_is_read_alone_with_types_and_defaults(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZBOT_SLACK_PORT", "abc")  # the process environment is not read for a mapping
    (clean / ".env").write_text("DISCORD_TOKEN=from-dotenv\n")
    s = Settings.from_env(
        {
            "QUIZBOT_DB": "/x/q.sqlite3",
            "QUIZBOT_QUESTIONS": "a:b",
            "QUIZBOT_LOG_LEVEL": "debug",
            "QUIZBOT_SLACK_PORT": " 3100 ",
            "QUIZBOT_SLACK_ADMINS": "U1, U2,,",
            "SLACK_BOT_TOKEN": "   ",
        }
    )
    assert s.db_path == Path("/x/q.sqlite3") and s.questions == (Path("a"), Path("b"))
    assert s.log_level == "DEBUG" and s.slack_port == 3100 and s.slack_admins == {"U1", "U2"}
    assert s.slack_bot_token is None and s.discord_token is None
    d = Settings.from_env({"XDG_DATA_HOME": "/data", "QUIZBOT_SLACK_PORT": ""})
    assert d.db_path == Path("/data/quizbot/quizbot.sqlite3") and d.questions == (QUESTIONS_DIR,)
    assert d.slack_port == 3000 and d.log_level == "INFO" and d.schedule_timezone == "UTC"


def test_dotenv_in_the_working_folder_is_read_and_the_environment_wins(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean / ".env").write_text(
        "# comment\nQUIZBOT_DB=from-dotenv.sqlite3\nDISCORD_TOKEN=dotenv-token\nQUIZBOT_LOG_LEVEL=warning\n"
        "SLACK_BOT_TOKEN=\nCOMPOSE_PROJECT_NAME=other\n"
    )
    s = Settings.from_env()
    assert s.db_path == Path("from-dotenv.sqlite3") and s.log_level == "WARNING"
    assert s.discord_token is not None and s.discord_token.get_secret_value() == "dotenv-token"
    assert s.slack_bot_token is None  # an empty line in .env, as in .env.example, is unset
    monkeypatch.setenv("QUIZBOT_DB", "from-env.sqlite3")
    monkeypatch.setenv("DISCORD_TOKEN", "env-token")
    s = Settings.from_env()
    assert s.db_path == Path("from-env.sqlite3") and s.log_level == "WARNING"
    assert s.discord_token is not None and s.discord_token.get_secret_value() == "env-token"


def test_no_dotenv_means_defaults(clean: Path) -> None:
    s = Settings.from_env()
    assert s.discord_token is None and s.slack_port == 3000 and s.default_platform() == "console"


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("QUIZBOT_SLACK_PORT", "abc", "port number"),
        ("QUIZBOT_SLACK_PORT", "70000", "port number"),
        ("QUIZBOT_SLACK_PORT", "0", "port number"),
        ("QUIZBOT_LOG_LEVEL", "verbose", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_a_bad_value_names_the_variable_what_it_takes_and_what_it_was(
    key: str, value: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({key: value})
    text = str(caught.value)
    assert text.startswith(f"{key} must be ") and allowed in text and repr(value) in text and "\n" not in text


def test_a_bad_value_in_dotenv_is_named_too(clean: Path) -> None:
    (clean / ".env").write_text("QUIZBOT_SLACK_PORT=abc\n")
    with pytest.raises(SettingsError, match="QUIZBOT_SLACK_PORT"):
        Settings.from_env()


def test_commands_without_platforms_do_not_read_platform_variables(clean: Path) -> None:
    bad = {"QUIZBOT_SLACK_PORT": "abc", "DISCORD_TOKEN": "t", "QUIZBOT_DB": "q.sqlite3"}
    s = Settings.from_env(bad, platforms=False)
    assert s.db_path == Path("q.sqlite3") and s.discord_token is None and s.slack_port == 3000
    (clean / ".env").write_text("QUIZBOT_SLACK_PORT=abc\n")
    assert Settings.from_env(platforms=False).slack_port == 3000
    with pytest.raises(SettingsError, match="QUIZBOT_LOG_LEVEL"):
        Settings.from_env({"QUIZBOT_LOG_LEVEL": "loud"}, platforms=False)  # every command logs


def test_an_unreadable_dotenv_is_one_clear_error(clean: Path) -> None:
    (clean / ".env").write_bytes(b"QUIZBOT_DB=\xff\xfe\n")
    with pytest.raises(SettingsError, match=r"\.env: cannot read it"):
        Settings.from_env()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-secret"}, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-secret"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "shh-secret"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_half_of_slack_is_refused_not_the_console(env: dict[str, str], named: str) -> None:
    s = Settings.from_env(env)
    with pytest.raises(SettingsError) as caught:
        s.check_slack_pair()
    assert named in str(caught.value) and "secret" not in str(caught.value).replace("SECRET", "")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SLACK_BOT_TOKEN": "b", "SLACK_APP_TOKEN": "a"},
        {"SLACK_BOT_TOKEN": "b", "SLACK_SIGNING_SECRET": "s"},
        {"DISCORD_TOKEN": "d", "SLACK_BOT_TOKEN": "b"},  # Discord is chosen; Slack is not used
    ],
)
def test_whole_or_no_slack_pair_is_fine(env: dict[str, str]) -> None:
    Settings.from_env(env).check_slack_pair()


def test_the_shipped_env_example_copied_to_dotenv_sets_nothing(clean: Path) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    (clean / ".env").write_text(example.read_text())
    s = Settings.from_env()
    assert s == Settings.from_env({})  # every value in it is empty or commented out
