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
