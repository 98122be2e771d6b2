"""Stopping the bot while a scheduled job is still running logs no error and no traceback.

Stopping shuts APScheduler down, which cancels a job in flight; APScheduler used to report that as a
failed job with a CancelledError traceback. Here the job is held in flight on purpose: a competition is
due at start, and the Slack test server is slow to take the standings it posts.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from tests.adapters.slack_harness import running_slack
from tests.adapters.test_slack_e2e import shown, slash
from tests.conftest import until
from tests.servers.slack import SlackTestServer


async def test_stopping_while_a_job_runs_logs_no_error(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db):
        started = await slash(slack, "/quiz", "competition start Cup 1h", user_id="UADMIN")
        assert "Competition started" in shown(started)
    with sqlite3.connect(db) as conn:  # it ended while the bot was down: the first job run finishes it
        conn.execute("UPDATE competitions SET starts_at = starts_at - 7200, ends_at = starts_at - 3600")
    caplog.set_level(logging.INFO)
    # The standings (a card upload, or the text if that fails) are in flight when the bot stops.
    posting = ("chat.postMessage", "files.getUploadURLExternal")
    for method in posting:
        slack.delays[method] = 3
    posts = sum(1 for method, _ in slack.calls if method in posting)
    async with running_slack(slack, db):
        await until(lambda: sum(1 for method, _ in slack.calls if method in posting) > posts)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("apscheduler"))
