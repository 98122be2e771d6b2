"""Discord embeds from core views: pure functions, no network."""

from __future__ import annotations

from bot.adapters.discord import render
from bot.core.bank import Bank
from bot.core.lookup import Lookup
from bot.core.ranking import Standing
from bot.core.records import ResultRow
from bot.core.views import LeaderboardView, LookupAnswer, QuestionView, RevealView


def test_question_embed_has_difficulty_letters_and_discord_timestamp(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    embed = render.question(QuestionView(12, q, "Exploratory data analysis (EDA)", 1_790_000_060.7, 60))
    assert embed.title == "Question #12"
    assert embed.description is not None and q.prompt in embed.description
    assert "🇧 Amazon SageMaker Data Wrangler" in embed.description
    fields = {f.name: f.value for f in embed.fields}
    assert "Stage" not in fields and fields["Difficulty"] == "easy"  # the stage is shown at the reveal
    assert fields["Closes"] == "<t:1790000060:R> (<t:1790000060:t>)"


def test_reveal_shows_answer_reasons_tally_and_escaped_winners(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]  # B is right
    rows = (
        ResultRow("1", "**bold** @everyone", 1, 1003.0, True, 28),
        ResultRow("2", "Bo", 0, 1001.0, False, 0),
        ResultRow("3", "Cy", 1, 1010.0, True, 19),
    )
    embed = render.reveal(RevealView(5, q, "EDA", 1000.0, rows))
    assert embed.title == "Answer to #5: 🇧 Amazon SageMaker Data Wrangler"
    fields = {f.name: f.value for f in embed.fields}
    assert "🇦 It watches deployed models." in fields["Why not the others"]
    assert fields["Answers"] == "🇦 1 · 🇧 2 · 🇨 0  (3 in all)"
    winners = fields["Right, fastest first"]
    assert winners.splitlines()[0] == "1. \\*\\*bold\\*\\* @\u200beveryone +28 (3.0s)"
    assert winners.splitlines()[1] == "2. Cy +19 (10.0s)"


def test_long_winner_lists_are_cut_within_discord_limits(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    rows = tuple(ResultRow(str(i), f"player-{i:04d}" * 5, 1, 1000.0 + i, True, 10) for i in range(500))
    embed = render.reveal(RevealView(5, q, "EDA", 1000.0, rows))
    value = next(f.value for f in embed.fields if f.name == "Right, fastest first")
    assert value is not None and len(value) <= 1024 and "more" in value
    assert len(embed) <= 6000


def test_board_and_lookup(mini_bank: Bank) -> None:
    view = LeaderboardView(
        "Leaderboard: all time", (Standing(1, "1", "Ann", 50, 5, 6),), Standing(9, "2", "Me", 3, 1, 4)
    )
    embed = render.board(view)
    assert embed.description == "**1.** Ann: 50 pts (5/6 right)\n…\n**9.** Me: 3 pts (1/4 right)"
    names = {k: e.name for k, e in mini_bank.glossary.items()}
    card = render.lookup(Lookup(mini_bank).answer("model monitor", 3), names)
    assert card.title == "Amazon SageMaker Model Monitor"
    assert {f.name for f in card.fields} >= {"Kind", "Questions", "Stages"}
    assert render.lookup(LookupAnswer("zzz", ()), names).title == "No match"


def test_option_emoji_map_both_ways() -> None:
    assert render.OPTION_EMOJI[0] == "🇦" and render.EMOJI_OPTION["🇪"] == 4
    assert render.NO_PINGS.everyone is False and render.NO_PINGS.roles is False


def test_reveal_links_the_answer_s_lookup_card_and_its_aws_docs(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    entry = mini_bank.answer_entry(q)
    assert entry is not None and entry.docs is not None
    embed = render.reveal(RevealView(5, q, "EDA", 1000.0, (), answer=entry))
    more = {f.name: f.value for f in embed.fields}["Learn more"]
    assert more == f"`/lookup {entry.name}` · [AWS docs]({entry.docs})"
    assert "Learn more" not in {f.name for f in render.reveal(RevealView(5, q, "EDA", 1000.0, ())).fields}


def test_team_board_shows_members_active_members_the_rule_and_best_contributors() -> None:
    from bot.core.records import CompetitionRecord, TeamTotals
    from bot.core.teams import TeamRule, team_standings

    rows = team_standings(
        [TeamTotals("1", "Red", 2, 334, 10, 12, 2, 334), TeamTotals("2", "*Blue*", 3, 280, 10, 18, 3, 250)],
        TeamRule("top", 2),
    )
    note = "Rule: points of the top 2 members. Best for Red: eve 210, @everyone 124."
    embed = render.board(LeaderboardView("Teams: Friday Cup (final)", tuple(rows), note=note))
    lines = (embed.description or "").splitlines()
    assert lines[0] == "**1.** Red: 334 pts (10/12 right) · 2 members, 2 active"
    assert lines[1] == "**2.** \\*Blue\\*: 250 pts (10/18 right) · 3 members, 3 active"
    assert lines[-1] == "*Rule: points of the top 2 members. Best for Red: eve 210, @\u200beveryone 124.*"
    plain = render.board(LeaderboardView("Week", (Standing(1, "u1", "ann", 5, 1, 1),)))
    assert plain.description == "**1.** ann: 5 pts (1/1 right)"  # a players' board: no detail, no note
    comp = CompetitionRecord(1, 1, 1, "Cup", 0.0, 1_790_000_000.0, None, "teams", "top", 3, "weekly", "Cup")
    assert "**Cup** (teams, points of the top 3 members; repeats weekly, season 1) runs until" in (
        render.competition(comp)
    )
