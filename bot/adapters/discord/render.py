"""Core views as Discord embeds (pure: no network). Names are escaped; nothing we post can ping."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from ...core.bank_schema import LETTERS, Difficulty
from ...core.config import ChannelConfig, format_duration
from ...core.ranking import Standing
from ...core.records import CompetitionRecord, ScheduleRecord, TeamRecord
from ...core.teams import competition_terms
from ...core.views import LeaderboardView, LookupAnswer, QuestionView, RevealView, StatsView
from .. import text_commands as tc

OPTION_EMOJI = tuple(chr(0x1F1E6 + i) for i in range(len(LETTERS)))  # regional indicators A-E
EMOJI_OPTION = {e: i for i, e in enumerate(OPTION_EMOJI)}
NO_PINGS = discord.AllowedMentions.none()
_COLOURS = {Difficulty.EASY: 0x2ECC71, Difficulty.MEDIUM: 0xF1C40F, Difficulty.HARD: 0xE74C3C}
_FIELD, _DESC = 1024, 4096


def safe(text: str) -> str:
    """User text for an embed: Markdown escaped and mentions defused."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(lines: list[str], total: int) -> str:
    """Whole lines within a field's limit, then how many were left out."""
    shown: list[str] = []
    used = 0
    for line in lines:
        line = _cut(line, 200)
        if used + len(line) + 1 > _FIELD - 30:
            break
        shown.append(line)
        used += len(line) + 1
    if total > len(shown):
        shown.append(f"…and {total - len(shown)} more")
    return "\n".join(shown)


def question(view: QuestionView) -> discord.Embed:
    """The posted question: difficulty, prompt, lettered options, close time. No stage before the reveal
    (its footer shows it): many prompts ask for the stage and offer stage names as options."""
    q = view.question
    options = "\n".join(f"{OPTION_EMOJI[i]} {o.text}" for i, o in enumerate(q.options))
    embed = discord.Embed(
        title=f"Question #{view.round_id}",
        description=_cut(f"{q.prompt}\n\n{options}", _DESC),
        colour=_COLOURS[q.difficulty],
    )
    embed.add_field(name="Difficulty", value=q.difficulty.value)
    closes = int(view.closes_at)
    embed.add_field(name="Closes", value=f"<t:{closes}:R> (<t:{closes}:t>)")
    embed.set_footer(text="React with a letter to answer. One answer per person; speed earns a bonus.")
    return embed


def reveal(view: RevealView) -> discord.Embed:
    """The reveal: the answer, why, why not the others, the tally and who was right, fastest first."""
    q, right = view.question, view.question.answer_index
    embed = discord.Embed(
        title=_cut(f"Answer to #{view.round_id}: {OPTION_EMOJI[right]} {q.options[right].text}", 256),
        description=_cut(q.explanation, _DESC),
        colour=0x3498DB,
    )
    others = [f"{OPTION_EMOJI[i]} {o.why}" for i, o in enumerate(q.options) if i != right and o.why]
    if others:
        embed.add_field(name="Why not the others", value=_cut("\n".join(others), _FIELD), inline=False)
    tally = view.tally
    embed.add_field(
        name="Answers",
        value=" · ".join(f"{OPTION_EMOJI[i]} {n}" for i, n in enumerate(tally)) + f"  ({sum(tally)} in all)",
        inline=False,
    )
    winners = view.winners
    if winners:
        lines = [
            f"{n}. {safe(w.name)} +{w.points} ({w.at - view.posted_at:.1f}s)"
            for n, w in enumerate(winners, 1)
        ]
        embed.add_field(name="Right, fastest first", value=_fit(lines[:20], len(lines)), inline=False)
    else:
        embed.add_field(
            name="Right", value="Nobody this time." if sum(tally) else "No answers.", inline=False
        )
    if view.answer is not None:
        more = f"`/lookup {view.answer.name}`"
        if view.answer.docs:
            more += f" · [AWS docs]({view.answer.docs})"
        embed.add_field(name="Learn more", value=_cut(more, _FIELD), inline=False)
    embed.set_footer(text=f"{view.stage_name} · {q.difficulty.value}")
    return embed


def _standing(s: Standing) -> str:
    detail = f" · {s.detail}" if s.detail else ""  # teams: members and active members
    return f"**{s.rank}.** {safe(s.name)}: {s.points} pts ({s.correct}/{s.answered} right){detail}"


def board(view: LeaderboardView) -> discord.Embed:
    """A leaderboard; a team board ends with its rule (and, final, the winning team's best contributors)."""
    lines = [_standing(s) for s in view.rows] or ["No scores yet."]
    if view.me is not None:
        lines += ["…", _standing(view.me)]
    note = f"\n\n*{safe(view.note)}*" if view.note else ""
    text = _cut("\n".join(lines), _DESC - len(note)) + note
    return discord.Embed(title=safe(view.title), description=text, colour=0x9B59B6)


def stats(view: StatsView) -> discord.Embed:
    """One player's record."""
    pct = f"{100 * view.correct / view.answered:.0f}%" if view.answered else "-"
    rank = f"#{view.rank}" if view.rank else "unranked"
    embed = discord.Embed(
        title=f"Stats: {safe(view.name)}",
        description=f"{view.points} pts ({rank}) · {view.correct}/{view.answered} right ({pct}) · "
        f"streak {view.streak} (best {view.best_streak})",
        colour=0x1ABC9C,
    )
    for title, rows in (("By stage", view.by_stage), ("By service", view.by_service)):
        if rows:
            text = "\n".join(f"{a.name}: {a.correct}/{a.answered} ({100 * a.ratio:.0f}%)" for a in rows)
            embed.add_field(name=title, value=_cut(text, _FIELD), inline=False)
    if view.weakest_stage:
        embed.add_field(
            name="Weakest stage",
            value=f"{view.weakest_stage.name}: try `/quiz now stage:{view.weakest_stage.key}`",
        )
    return embed


def lookup(answer: LookupAnswer, names: dict[str, str]) -> discord.Embed:
    """The best glossary match in full (a near-equal second as a field), and the next few by name."""
    hits = list(answer.hits)
    if not hits:
        return discord.Embed(title="No match", description=_cut(tc.nothing_found(answer, safe), _DESC))
    top, e = hits[0], hits[0].entry
    embed = discord.Embed(title=e.name, description=_cut(e.definition, _DESC), colour=0xE67E22)
    embed.add_field(name="Kind", value=e.kind.value)
    embed.add_field(name="Questions", value=str(top.questions))
    if top.stages:
        embed.add_field(
            name="Stages", value=_cut(", ".join(names.get(s, s) for s in top.stages), _FIELD), inline=False
        )
    if top.services:
        embed.add_field(
            name="Services",
            value=_cut(", ".join(names.get(s, s) for s in top.services), _FIELD),
            inline=False,
        )
    if e.analogy:
        embed.add_field(name="Analogy", value=_cut(e.analogy, _FIELD), inline=False)
    if e.note:
        embed.add_field(name="Note", value=_cut(e.note, _FIELD), inline=False)
    if e.docs:
        embed.url = str(e.docs)
        embed.add_field(name="Docs", value=str(e.docs), inline=False)
    for other in hits[1 : answer.cards]:
        embed.add_field(
            name=f"Also close: {_cut(other.entry.name, 200)}",
            value=_cut(other.entry.definition, _FIELD),
            inline=False,
        )
    if answer.note:
        embed.add_field(
            name="Answer" if answer.cards == 1 else "Which one",
            value=_cut(safe(answer.note), _FIELD),
            inline=False,
        )
    if len(hits) > answer.cards:
        embed.set_footer(text=_cut("Also: " + "; ".join(h.entry.name for h in hits[answer.cards :]), 2048))
    return embed


def config(cfg: ChannelConfig) -> discord.Embed:
    """A channel's settings."""
    s = cfg.scoring
    rows = [
        ("answer_window", f"{cfg.answer_window}s"),
        ("allow_changes", "on" if cfg.allow_changes else "off"),
        ("remove_reactions", "on" if cfg.remove_reactions else "off"),
        ("stages", ", ".join(cfg.stages) or "all"),
        ("difficulties", ", ".join(cfg.difficulties) or "all"),
        ("points easy/medium/hard", f"{s.points_easy}/{s.points_medium}/{s.points_hard}"),
        ("speed_bonus", str(s.speed_bonus)),
        ("streak_step / streak_cap", f"{s.streak_step} / {s.streak_cap}"),
    ]
    return discord.Embed(title="Channel settings", description="\n".join(f"**{k}**: {v}" for k, v in rows))


def schedules(rows: list[ScheduleRecord]) -> str:
    """Schedules as lines."""
    if not rows:
        return "No schedules yet. Admins add one with `/quiz schedule add`."
    return "\n".join(
        f"#{s.id} <#{s.channel}> `{s.cron}` {s.timezone}, "
        f"window {format_duration(s.window) if s.window else 'channel default'}"
        + (" (paused)" if s.paused else "")
        for s in rows
    )


def teams(rows: list[TeamRecord]) -> str:
    """Teams as lines."""
    if not rows:
        return "No teams yet. Start one with `/team create`."
    return "\n".join(
        f"**{safe(t.name)}**: {t.members} member{'s' if t.members != 1 else ''}"
        + (f" (role <@&{t.role_ref}>)" if t.role_ref else "")
        for t in rows
    )


def competition(comp: CompetitionRecord) -> str:
    """A competition's terms (who competes, the rule, the repeat) and its end."""
    end = datetime.fromtimestamp(comp.ends_at, UTC)
    return (
        f"**{safe(comp.name)}** ({competition_terms(comp)}) runs until <t:{int(comp.ends_at)}:f> "
        f"({end:%Y-%m-%d %H:%M} UTC)."
    )


def history(lines: list[str]) -> str:
    """Competitions, one a line (names escaped), within a message's length."""
    if not lines:
        return "No competitions yet. An admin starts one with `/competition start`."
    return _cut("\n".join(safe(line) for line in lines), 2000)
