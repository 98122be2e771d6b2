"""Slack blocks from core views: pure functions, no network."""

from __future__ import annotations

import json

from bot.adapters.slack import render
from bot.core.bank import Bank
from bot.core.records import ResultRow
from bot.core.views import RevealView


def test_reveal_links_the_answer_s_lookup_card_and_its_aws_docs(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    entry = mini_bank.answer_entry(q)
    assert entry is not None and entry.docs is not None
    view = RevealView(5, q, "EDA", 1000.0, (ResultRow("1", "Ann", 1, 1003.0, True, 20),), answer=entry)
    _, blocks = render.reveal(view)
    text = json.dumps(blocks, ensure_ascii=False)
    assert f"/lookup {entry.name}" in text and f"<{entry.docs}|AWS docs>" in text
    _, without = render.reveal(RevealView(5, q, "EDA", 1000.0, ()))
    assert "/lookup" not in json.dumps(without)


def test_team_board_shows_members_active_members_the_rule_and_best_contributors() -> None:
    from bot.core.ranking import Standing
    from bot.core.records import CompetitionRecord, TeamTotals
    from bot.core.teams import TeamRule, team_standings
    from bot.core.views import LeaderboardView

    rows = team_standings(
        [TeamTotals("1", "Red", 1, 30, 3, 4, 1), TeamTotals("2", "<!here>", 4, 40, 4, 8, 2)],
        TeamRule("average"),
    )
    note = "Rule: average points per active member. Best for Red: <@U1> 30."
    text, blocks = render.board(LeaderboardView("Teams: Cup (final)", tuple(rows), note=note))
    assert text == "Teams: Cup (final)"
    lines = blocks[0]["text"]["text"].splitlines()
    assert lines[1] == "*1.* Red: 30.0 pts (3/4 right) · 1 member, 1 active"
    assert lines[2] == "*2.* &lt;!here&gt;: 20.0 pts (4/8 right) · 4 members, 2 active"
    assert blocks[-1] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "Rule: average points per active member. Best for Red: &lt;@U1&gt; 30.",
            }
        ],
    }
    _, plain = render.board(LeaderboardView("Week", (Standing(1, "U1", "ann", 5, 1, 1),)))
    assert len(plain) == 1 and plain[0]["text"]["text"] == "*Week*\n*1.* ann: 5 pts (1/1 right)"
    comp = CompetitionRecord(1, 1, 1, "Cup", 0.0, 1_790_000_000.0, None, "teams", "sum", 0, "monthly", "Cup")
    assert render.competition(comp).startswith(
        "*Cup* (teams, sum of members' points; repeats monthly, season 1) runs until"
    )
