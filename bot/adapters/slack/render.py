"""Core views as Block Kit (pure: no network). User text is escaped, so it can never mention anyone."""

from __future__ import annotations

from typing import Any

from ...core.config import ChannelConfig, format_duration
from ...core.ranking import Standing
from ...core.records import CompetitionRecord, ScheduleRecord, TeamRecord
from ...core.teams import competition_terms
from ...core.views import LeaderboardView, LookupAnswer, LookupHit, QuestionView, RevealView, StatsView
from .. import text_commands as tc

OPTION_EMOJI = ("one", "two", "three", "four", "five")  # Slack's number emoji names
EMOJI_OPTION = {name: i for i, name in enumerate(OPTION_EMOJI)}
Blocks = list[dict[str, Any]]
_SECTION = 3000


def safe(text: str) -> str:
    """Escape Slack's control characters: '<!channel>' and '<@U1>' cannot be formed from user text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int = _SECTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(text, 2000)}]}


def letter(i: int) -> str:
    """An option's emoji as Slack shows it."""
    return f":{OPTION_EMOJI[i]}:"


def question(view: QuestionView) -> tuple[str, Blocks]:
    """Fallback text and blocks for a posted question."""
    q = view.question
    closes = int(view.closes_at)
    options = "\n".join(f"{letter(i)} {safe(o.text)}" for i, o in enumerate(q.options))
    when = f"<!date^{closes}^{{time}}|{closes}>"
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Question #{view.round_id}"}},
        # No stage before the reveal: many prompts ask for the stage and offer stage names as options.
        _context(f"{q.difficulty.value} · closes {when}"),
        _section(safe(q.prompt)),
        _section(options),
        _context("React with a number to answer. One answer per person; speed earns a bonus."),
    ]
    return f"Question #{view.round_id}: {safe(q.prompt)}", blocks


def reveal(view: RevealView) -> tuple[str, Blocks]:
    """Fallback text and blocks for the reveal."""
    q, right = view.question, view.question.answer_index
    title = f"Answer to #{view.round_id}: {letter(right)} {safe(q.options[right].text)}"
    blocks: Blocks = [_section(f"*{title}*\n{safe(q.explanation)}")]
    others = [f"{letter(i)} {safe(o.why)}" for i, o in enumerate(q.options) if i != right and o.why]
    if others:
        blocks.append(_section("*Why not the others*\n" + "\n".join(others)))
    tally = view.tally
    blocks.append(
        _context(
            "Answers: "
            + "  ".join(f"{letter(i)} {n}" for i, n in enumerate(tally))
            + f"  ({sum(tally)} in all)"
        )
    )
    winners = view.winners
    if winners:
        lines = [
            f"{n}. {safe(w.name)} +{w.points} ({w.at - view.posted_at:.1f}s)"
            for n, w in enumerate(winners[:25], 1)
        ]
        if len(winners) > 25:
            lines.append(f"…and {len(winners) - 25} more")
        blocks.append(_section("*Right, fastest first*\n" + "\n".join(lines)))
    else:
        blocks.append(_section("Nobody got it this time." if sum(tally) else "No answers this time."))
    if view.answer is not None:
        more = f"Learn more: `/lookup {safe(view.answer.name)}`"
        if view.answer.docs:
            more += f" · <{view.answer.docs}|AWS docs>"
        blocks.append(_context(more))
    blocks.append(_context(f"*{safe(view.stage_name)}* · {q.difficulty.value}"))  # no longer a give-away
    return f"Answer to #{view.round_id}: {safe(q.options[right].text)}", blocks


def _standing(s: Standing) -> str:
    detail = f" · {safe(s.detail)}" if s.detail else ""  # teams: members and active members
    return f"*{s.rank}.* {safe(s.name)}: {s.points} pts ({s.correct}/{s.answered} right){detail}"


def board(view: LeaderboardView) -> tuple[str, Blocks]:
    """A leaderboard; a team board ends with its rule (and, final, the winning team's best contributors)."""
    lines = [_standing(s) for s in view.rows]
    if view.me is not None:
        lines += ["…", _standing(view.me)]
    blocks: Blocks = [_section(f"*{safe(view.title)}*\n" + ("\n".join(lines) or "No scores yet."))]
    if view.note:
        blocks.append(_context(safe(view.note)))
    return safe(view.title), blocks


def stats(view: StatsView) -> tuple[str, Blocks]:
    """One player's record."""
    pct = f"{100 * view.correct / view.answered:.0f}%" if view.answered else "-"
    rank = f"#{view.rank}" if view.rank else "unranked"
    head = (
        f"*Stats: {safe(view.name)}*\n{view.points} pts ({rank}) · {view.correct}/{view.answered} right ({pct}) · "
        f"streak {view.streak} (best {view.best_streak})"
    )
    blocks: Blocks = [_section(head)]
    for title, rows in (("By stage", view.by_stage), ("By service", view.by_service)):
        if rows:
            text = "\n".join(f"{a.name}: {a.correct}/{a.answered} ({100 * a.ratio:.0f}%)" for a in rows)
            blocks.append(_section(f"*{title}*\n{text}"))
    if view.weakest_stage:
        blocks.append(
            _context(f"Weakest stage: {view.weakest_stage.name}; try `/quiz now {view.weakest_stage.key}`")
        )
    return f"Stats: {safe(view.name)}", blocks  # the fallback text is parsed for mentions too


def lookup(answer: LookupAnswer, names: dict[str, str]) -> tuple[str, Blocks]:
    """The best match in full (two when near-equal), and buttons for the others or for close names."""
    hits = list(answer.hits)
    if not hits:
        text = tc.nothing_found(answer, safe)
        blocks: Blocks = [_section(text)]
        if answer.suggestions:
            blocks.append(_buttons([(s, s) for s in answer.suggestions]))
        return text, blocks
    blocks = [_section(_card(h, names)) for h in hits[: answer.cards]]
    if answer.note:
        blocks.append(_context(safe(answer.note)))
    rest = hits[answer.cards :]
    if rest:
        blocks.append(_buttons([(h.entry.id, h.entry.name) for h in rest]))
    return safe(hits[0].entry.name), blocks


def _buttons(picks: list[tuple[str, str]]) -> dict[str, Any]:
    """One button per pick (value, label): a click looks the value up."""
    return {
        "type": "actions",
        "block_id": "lookup_more",
        "elements": [
            {
                "type": "button",
                "action_id": f"lookup_pick_{i}",
                "value": value,
                "text": {"type": "plain_text", "text": _cut(label, 75)},
            }
            for i, (value, label) in enumerate(picks[:5])
        ],
    }


def _card(top: LookupHit, names: dict[str, str]) -> str:
    e = top.entry
    lines = [f"*{safe(e.name)}* ({e.kind.value})", safe(e.definition)]
    if top.stages:
        lines.append("*Stages:* " + ", ".join(names.get(s, s) for s in top.stages))
    if top.services:
        lines.append("*Services:* " + ", ".join(names.get(s, s) for s in top.services))
    if e.analogy:
        lines.append(f"*Analogy:* {safe(e.analogy)}")
    if e.note:
        lines.append(f"*Note:* {safe(e.note)}")
    if e.docs:
        lines.append(f"<{e.docs}|AWS documentation>")
    lines.append(f"Questions in the bank: {top.questions}")
    return "\n".join(lines)


def config(cfg: ChannelConfig) -> str:
    """A channel's settings."""
    s = cfg.scoring
    return (
        f"*Channel settings*\nanswer_window: {cfg.answer_window}s · allow_changes: {'on' if cfg.allow_changes else 'off'}"
        f" · remove_reactions: {'on' if cfg.remove_reactions else 'off'}\n"
        f"stages: {', '.join(cfg.stages) or 'all'} · difficulties: {', '.join(cfg.difficulties) or 'all'}\n"
        f"points easy/medium/hard: {s.points_easy}/{s.points_medium}/{s.points_hard} · speed_bonus: {s.speed_bonus}"
        f" · streak_step/cap: {s.streak_step}/{s.streak_cap}"
    )


def schedules(rows: list[ScheduleRecord]) -> str:
    """Schedules as lines."""
    if not rows:
        return "No schedules yet. Admins add one with `/quiz schedule add '0 9 * * 1-5' Europe/Berlin`."
    return "\n".join(
        f"#{s.id} <#{s.channel}> `{s.cron}` {s.timezone}, "
        f"window {format_duration(s.window) if s.window else 'channel default'}"
        + (" (paused)" if s.paused else "")
        for s in rows
    )


def teams(rows: list[TeamRecord]) -> str:
    """Teams as lines."""
    if not rows:
        return "No teams yet. Start one with `/quiz team create NAME`."
    return "\n".join(f"*{safe(t.name)}*: {t.members} member{'s' if t.members != 1 else ''}" for t in rows)


def competition(comp: CompetitionRecord) -> str:
    """A competition's terms (who competes, the rule, the repeat) and its end."""
    return f"*{safe(comp.name)}* ({competition_terms(comp)}) runs until <!date^{int(comp.ends_at)}^{{date_short}} {{time}}|{int(comp.ends_at)}>."


def reply(result: tc.Reply, names: dict[str, str]) -> tuple[str, Blocks | None, bool]:
    """(text, blocks, public) for any text-command reply."""
    match result:
        case tc.Text(text=text, public=public):
            return safe(text), None, public
        case tc.Asked(round=rnd):
            return f"Question #{rnd.id} is up.", None, False
        case tc.Board(view=view):
            return (*board(view), True)
        case tc.Stats(view=view):
            return (*stats(view), False)
        case tc.Found(answer=answer):
            return (*lookup(answer, names), True)
        case tc.Settings(config=cfg):
            return config(cfg), None, False
        case tc.Schedules(rows=rows):
            return schedules(rows), None, False
        case tc.Teams(rows=rows):
            return teams(rows), None, True
        case tc.Competition(record=comp):
            return "Competition started: " + competition(comp), None, True
    return "", None, False
