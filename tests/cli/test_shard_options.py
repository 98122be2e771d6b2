"""`quizbot run --shard-ids IDS --shard-count N` (and QUIZBOT_SHARD_IDS, QUIZBOT_SHARD_COUNT): Discord's shards
for this process, checked together, one line naming the option or variable for anything unusable."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

import bot.__main__ as cli
from bot.settings import Settings, SettingsError

OURS = ("QUIZBOT_", "DISCORD_", "SLACK_", "XDG_DATA_HOME")


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Settings]:
    """No .env, none of our variables; `quizbot run` records its settings instead of running a bot."""
    for key in list(os.environ):
        if key.startswith(OURS):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "db.sqlite3"))
    seen: list[Settings] = []

    async def record(args: argparse.Namespace, settings: Settings) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(cli, "_run", record)
    return seen


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line `quizbot ARGV` exits 2 with."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def shards(ran: list[Settings], *argv: str) -> tuple[tuple[int, ...] | None, int | None]:
    assert cli.main(["run", *argv]) == 0
    settings = ran.pop()
    return settings.shard_ids, settings.shard_count


def test_options_give_this_process_its_shards(ran: list[Settings]) -> None:
    assert shards(ran, "--platform", "discord", "--shard-ids", "0,1", "--shard-count", "4") == ((0, 1), 4)
    assert shards(ran, "--platform", "discord", "--shard-ids", " 3 ", "--shard-count", "4") == ((3,), 4)
    assert shards(ran, "--platform", "discord") == (None, None)  # one process, every guild, as before


def test_a_count_alone_is_every_shard_in_this_process(ran: list[Settings]) -> None:
    assert shards(ran, "--platform", "discord", "--shard-count", "3") == ((0, 1, 2), 3)


def test_the_environment_gives_shards_and_the_options_win(
    ran: list[Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZBOT_SHARD_IDS", " 0, 1 ")
    monkeypatch.setenv("QUIZBOT_SHARD_COUNT", "4")
    assert shards(ran, "--platform", "discord") == ((0, 1), 4)
    assert shards(ran, "--platform", "discord", "--shard-ids", "2,3") == ((2, 3), 4)
    assert shards(ran, "--platform", "discord", "--shard-count", "2") == ((0, 1), 2)
    assert shards(ran, "--platform", "discord", "--shard-ids", "5", "--shard-count", "6") == ((5,), 6)
    monkeypatch.setenv("DISCORD_TOKEN", "test-token-not-secret")  # Discord chosen by its token
    assert shards(ran) == ((0, 1), 4)


def test_the_mapping_form_reads_both_variables() -> None:
    s = Settings.from_env({"QUIZBOT_SHARD_IDS": "2,0", "QUIZBOT_SHARD_COUNT": " 4 "})
    assert (s.shard_ids, s.shard_count) == ((2, 0), 4)
    assert Settings.from_env({"QUIZBOT_SHARD_IDS": "1"}, platforms=False).shard_ids is None  # run's only


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("a,1", "must be shard numbers from 0 separated by commas, e.g. 0,1, not 'a,1'"),
        ("-1", "not '-1'"),
        ("0,,1", "not '0,,1'"),
        ("1,0,1", "names shard 1 more than once"),
    ],
)
def test_bad_ids_are_one_line_naming_the_option_or_the_variable(
    ran: list[Settings], capsys: pytest.CaptureFixture[str], value: str, says: str
) -> None:
    line = refused(capsys, "run", "--platform", "discord", "--shard-ids", value, "--shard-count", "4")
    assert "argument --shard-ids:" in line and says in line
    with pytest.raises(SettingsError, match=r"^QUIZBOT_SHARD_IDS .*" + re.escape(says)):
        Settings.from_env({"QUIZBOT_SHARD_IDS": value})


def test_a_count_is_at_least_one(
    ran: list[Settings], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = refused(capsys, "run", "--platform", "discord", "--shard-count", "0")
    assert "argument --shard-count:" in line and "at least 1, not '0'" in line
    monkeypatch.setenv("QUIZBOT_SHARD_COUNT", "two")
    line = refused(capsys, "run", "--platform", "discord")
    assert line == "quizbot: QUIZBOT_SHARD_COUNT must be a whole number of at least 1, not 'two'"
    assert ran == []


def test_ids_need_a_count_and_lie_below_it(
    ran: list[Settings], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = refused(capsys, "run", "--platform", "discord", "--shard-ids", "0,1")
    assert line.startswith("quizbot: --shard-ids needs --shard-count too")
    line = refused(capsys, "run", "--platform", "discord", "--shard-ids", "0,4", "--shard-count", "4")
    assert line == ("quizbot: --shard-ids names shard 4, but --shard-count is 4: shards are numbered 0 to 3")
    monkeypatch.setenv("QUIZBOT_SHARD_IDS", "1")
    line = refused(capsys, "run", "--platform", "discord")
    assert line.startswith("quizbot: QUIZBOT_SHARD_IDS needs QUIZBOT_SHARD_COUNT too")
    line = refused(capsys, "run", "--platform", "discord", "--shard-count", "1")
    assert line.startswith("quizbot: QUIZBOT_SHARD_IDS names shard 1, but --shard-count is 1")
    monkeypatch.delenv("QUIZBOT_SHARD_IDS")
    monkeypatch.setenv("QUIZBOT_SHARD_COUNT", "2")
    line = refused(capsys, "run", "--platform", "discord", "--shard-ids", "2")
    assert line.startswith("quizbot: --shard-ids names shard 2, but QUIZBOT_SHARD_COUNT is 2")
    assert ran == []


@pytest.mark.parametrize("platform", ["slack", "console"])
def test_shards_are_refused_off_discord(
    ran: list[Settings], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    line = refused(capsys, "run", "--platform", platform, "--shard-ids", "0", "--shard-count", "2")
    assert line.startswith(
        f"quizbot run: error: --shard-ids, --shard-count: for Discord's shards only; {platform}"
    )
    monkeypatch.setenv("QUIZBOT_SHARD_COUNT", "2")
    line = refused(capsys, "run", "--platform", platform)
    assert line.startswith(f"quizbot: QUIZBOT_SHARD_COUNT: for Discord's shards only; {platform} runs as one")
    assert ran == []


def test_shards_are_refused_when_the_tokens_choose_slack(
    ran: list[Settings], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-not-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-not-secret")
    line = refused(capsys, "run", "--shard-count", "2")
    assert line.startswith("quizbot run: error: --shard-count: for Discord's shards only; slack")
    assert ran == []
