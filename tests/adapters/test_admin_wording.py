"""An admin command refused to a member names that platform's own rule for who is an admin.

Discord: members with Manage Server. Slack: workspace admins or owners, or the ids in QUIZBOT_SLACK_ADMINS
(Slack has no Manage Server). Both run the real clients against the loopback test servers.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from tests.adapters.discord_harness import MANAGE_GUILD, running_bot, sub
from tests.adapters.slack_harness import running_slack
from tests.adapters.test_discord_e2e import command, ephemeral, text
from tests.adapters.test_slack_e2e import shown, slash
from tests.conftest import FIXTURE_BANK
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer


def slack_settings(slack: SlackTestServer, db: Path, admins: str) -> Settings:
    return Settings.from_env(
        {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "SLACK_BOT_TOKEN": "xoxb-test-not-secret",
            "SLACK_APP_TOKEN": "xapp-test-not-secret",
            "QUIZBOT_SLACK_API_URL": slack.api_url,
            "QUIZBOT_SLACK_ADMINS": admins,
        }
    )


async def test_slack_refusal_names_slacks_rule_not_discords(slack: SlackTestServer, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db, settings=slack_settings(slack, db, "U2")):
        for words in ("config answer_window 2m", "schedule add '0 9 * * *' UTC", "competition start Cup 7d"):
            refused = shown(await slash(slack, "/quiz", words, user_id="U1"))
            assert "workspace admins" in refused and "QUIZBOT_SLACK_ADMINS" in refused, (words, refused)
            assert "Manage Server" not in refused and "server admins" not in refused, (words, refused)
        # The rule it names is the one applied: the member listed in QUIZBOT_SLACK_ADMINS may.
        allowed = shown(await slash(slack, "/quiz", "config answer_window 2m", user_id="U2"))
        assert "answer_window: 120s" in allowed


async def test_discord_refusal_names_manage_server(server: DiscordTestServer, tmp_path: Path) -> None:
    async with running_bot(server, tmp_path / "db.sqlite3"):
        setting = sub("config", setting="answer_window", value="2m")
        refused = await command(server, "quiz", setting, permissions="0")
        assert "Manage Server" in text(refused) and ephemeral(refused)
        assert "QUIZBOT_SLACK_ADMINS" not in text(refused) and "workspace" not in text(refused)
        allowed = await command(server, "quiz", setting, permissions=MANAGE_GUILD)
        assert "Manage Server" not in text(allowed)
