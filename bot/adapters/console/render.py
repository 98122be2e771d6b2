"""Plain-text rendering of core views for the terminal (pure; no I/O)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from ...core.bank_schema import LETTERS
from ...core.config import ChannelConfig, format_duration
from ...core.records import ScheduleRecord, TeamRecord
from ...core.teams import competition_terms
from ...core.views import LeaderboardView, LookupAnswer, LookupHit, QuestionView, RevealView, StatsView
from .. import text_commands as tc

WIDTH = 78


def _wrap(text: str, indent: str = "", hang: str | None = None) -> str:
    """Fill to WIDTH; continuation lines get `hang` (by default the same indent)."""
    rest = indent if hang is None else hang
    return textwrap.fill(" ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=rest)


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).astimezone().strftime("%H:%M:%S")


def question(view: QuestionView, *, how: str = "type NAME LETTER, e.g. 'alice b'") -> str:
    """The question as posted: difficulty, prompt, lettered options, close time; `{id}` in `how` is its number.

    No stage before the reveal: many prompts ask for the stage and offer stage names as options."""
    q = view.question
    lines = [
        "",
        f"=== Question #{view.round_id}  [{q.difficulty.value}] " + "=" * 10,
        _wrap(q.prompt),
        "",
    ]
    lines += [_wrap(o.text, f"  {LETTERS[i].upper()}) ", "     ") for i, o in enumerate(q.options)]
    how = how.replace("{id}", str(view.round_id))
    lines += ["", f"Closes at {_clock(view.closes_at)} ({format_duration(view.window)}); {how}."]
    return "\n".join(lines)


def reveal(view: RevealView) -> str:
    """The reveal: correct option, explanation, why the others are wrong, tally, winners."""
    q = view.question
    right = q.answer_index
    tally = view.tally
    lines = [
        "",
        f"--- Answer to #{view.round_id}: {LETTERS[right].upper()}) {q.options[right].text}",
        f"[{view.stage_name} | {q.difficulty.value}]",
        _wrap(q.explanation),
    ]
    for i, option in enumerate(q.options):
        if i != right and option.why:
            lines.append(_wrap(f"{LETTERS[i].upper()}: {option.why}", "  ", "     "))
    total = sum(tally)
    lines.append(
        "Answers: "
        + "  ".join(f"{LETTERS[i].upper()} {n}" for i, n in enumerate(tally))
        + f"  ({total} in all)"
    )
    winners = view.winners
    if winners:
        parts = [f"{w.name} +{w.points} ({w.at - view.posted_at:.1f}s)" for w in winners]
        lines.append("Right, fastest first: " + ", ".join(parts))
    else:
        lines.append("Nobody got it this time." if total else "No answers this time.")
    if view.answer is not None:
        lines.append(f"Learn more: /lookup {view.answer.name}")
        if view.answer.docs:
            lines.append(f"AWS docs: {view.answer.docs}")
    return "\n".join(lines)


def board(view: LeaderboardView) -> str:
    """A leaderboard as a table."""
    lines = [view.title]
    if not view.rows:
        lines.append("  (no scores yet)")
    for s in view.rows:
        detail = f"  ({s.detail})" if s.detail else ""
        lines.append(f"  {s.rank:>3}. {s.name:<24} {s.points:>6} pts  {s.correct}/{s.answered} right{detail}")
    if view.me is not None:
        s = view.me
        lines.append(f"  ...\n  {s.rank:>3}. {s.name:<24} {s.points:>6} pts  {s.correct}/{s.answered} right")
    if view.note:
        lines.append(view.note)
    return "\n".join(lines)


def stats(view: StatsView) -> str:
    """A player's record."""
    rank = f"#{view.rank}" if view.rank else "unranked"
    pct = f"{100 * view.correct / view.answered:.0f}%" if view.answered else "-"
    lines = [
        f"{view.name}: {view.points} pts ({rank}), {view.correct}/{view.answered} right ({pct}), "
        f"streak {view.streak} (best {view.best_streak})",
    ]
    if view.by_stage:
        lines.append("By stage:")
        lines += [f"  {a.name:<36} {a.correct}/{a.answered}  {100 * a.ratio:.0f}%" for a in view.by_stage]
    if view.by_service:
        lines.append("By service:")
        lines += [f"  {a.name:<36} {a.correct}/{a.answered}  {100 * a.ratio:.0f}%" for a in view.by_service]
    if view.weakest_stage:
        lines.append(
            f"Weakest stage: {view.weakest_stage.name}; try: quizbot play --stage {view.weakest_stage.key}"
        )
    return "\n".join(lines)


def lookup(answer: LookupAnswer, names: dict[str, str]) -> str:
    """Lookup results, best first: the first one (two when near-equal) in full, then the note."""
    if not answer.hits:
        return tc.nothing_found(answer)
    lines = [_card(hit, names) for hit in answer.hits[: answer.cards]]
    if answer.note:
        lines.append(_wrap(answer.note, "", "  "))
    rest = answer.hits[answer.cards :]
    if rest:
        lines.append("Also: " + "; ".join(f"{h.entry.name} ({h.entry.kind.value})" for h in rest))
    return "\n".join(lines)


def _card(top: LookupHit, names: dict[str, str]) -> str:
    e = top.entry
    lines = [f"{e.name}  [{e.kind.value}]", _wrap(e.definition, "  ")]
    if top.stages:
        lines.append("  Stages: " + ", ".join(names.get(s, s) for s in top.stages))
    if top.services:
        lines.append("  Services: " + ", ".join(names.get(s, s) for s in top.services))
    if e.analogy:
        lines.append(_wrap(f"Analogy: {e.analogy}", "  "))
    if e.note:
        lines.append(_wrap(f"Note: {e.note}", "  "))
    if e.docs:
        lines.append(f"  Docs: {e.docs}")
    lines.append(f"  Questions in the bank: {top.questions}")
    return "\n".join(lines)


def config(cfg: ChannelConfig) -> str:
    """A channel's settings."""
    s = cfg.scoring
    return "\n".join(
        [
            f"answer_window={format_duration(cfg.answer_window)} allow_changes={'on' if cfg.allow_changes else 'off'} "
            f"remove_reactions={'on' if cfg.remove_reactions else 'off'}",
            f"stages={','.join(cfg.stages) or 'all'} difficulties={','.join(cfg.difficulties) or 'all'}",
            f"points easy/medium/hard={s.points_easy}/{s.points_medium}/{s.points_hard} "
            f"speed_bonus={s.speed_bonus} streak_step={s.streak_step} streak_cap={s.streak_cap}",
        ]
    )


def schedules(rows: list[ScheduleRecord]) -> str:
    """Schedules as lines."""
    if not rows:
        return "No schedules yet."
    return "\n".join(
        f"  #{s.id} '{s.cron}' {s.timezone} "
        f"window={format_duration(s.window) if s.window else 'channel default'}"
        + (" (from --cron / QUIZBOT_SCHEDULE)" if s.configured else "")
        + (" (paused)" if s.paused else "")
        for s in rows
    )


def teams(rows: list[TeamRecord]) -> str:
    """Teams as lines."""
    if not rows:
        return "No teams yet; /team create NAME starts one."
    return "\n".join(f"  {t.name}: {t.members} member{'s' if t.members != 1 else ''}" for t in rows)


def reply(result: tc.Reply, names: dict[str, str]) -> str:
    """Any text-command reply as terminal text ('' when the core already printed, as for a new question)."""
    match result:
        case tc.Text(text=text):
            return text
        case tc.Asked():
            return ""
        case tc.Board(view=view):
            return board(view)
        case tc.Stats(view=view):
            return stats(view)
        case tc.Found(answer=answer):
            return lookup(answer, names)
        case tc.Settings(config=cfg):
            return config(cfg)
        case tc.Schedules(rows=rows):
            return schedules(rows)
        case tc.Teams(rows=rows):
            return teams(rows)
        case tc.Competition(record=comp):
            end = datetime.fromtimestamp(comp.ends_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
            return f"Competition {comp.name} started ({competition_terms(comp)}); it ends {end}."
    return ""
