"""Private study on Discord: /quiz review, practice, exam, report, remind and analytics, option buttons,
the study lines of /stats, and the daily reminder by direct message.

Everything here is ephemeral (flag 64): only the person who asked sees a session, its answers and its
report; nothing is posted in the channel and nothing reaches a leaderboard. Buttons are dynamic items
matched by their custom id (session, question, option), so a click works after a restart too.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import Choice

from ...app import App
from ...core.errors import PermissionDeniedError, QuizError
from ...core.study.service import EXAM_MAX, StudyQuestion, StudyService, StudySummary
from ...core.study.session import SessionKind
from .. import study_flow as flow
from . import render
from .interaction import NOT_ADMIN, here, is_admin

log = logging.getLogger(__name__)
RIGHT, WRONG, NEUTRAL = 0x2E7D32, 0xC62828, 0x546E7A
_CONTENT, _EMBED = 2000, 4000


MARKUP = flow.Markup(lambda text: f"**{text}**", render.safe)


def message(step: flow.Step, now: float) -> dict[str, Any]:
    """The private message for a step: content (notes, question), embeds (feedback, report), buttons."""
    lines = list(step.notes)
    embeds: list[discord.Embed] = []
    if step.feedback is not None:
        f = step.feedback
        text = "\n".join(flow.feedback_lines(f, MARKUP, "/quiz report"))
        colour = NEUTRAL if f.kind is SessionKind.EXAM else (RIGHT if f.correct else WRONG)
        embeds.append(discord.Embed(description=_cut(text, _EMBED), colour=colour))
    if step.report is not None:
        text = "\n".join(flow.report_lines(step.report, MARKUP, "/quiz practice"))
        embeds.append(discord.Embed(title="Mock exam report", description=_cut(text, _EMBED)))
    view = None
    if step.question is not None:
        lines.append("\n".join(flow.question_lines(step.question, now, MARKUP)))
        view = discord.ui.View(timeout=None)
        for option in range(len(step.question.question.options)):
            view.add_item(make_button(step.question, option))
    elif step.done:
        lines.append(step.done.replace("`review`", "`/quiz review`").replace("`stats`", "`/stats`"))
    return {
        "content": _cut("\n\n".join(lines), _CONTENT) or None,
        "embeds": embeds,
        "view": view,
        "allowed_mentions": render.NO_PINGS,
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"study:(?P<session>[0-9]{1,18}):(?P<index>[0-9]{1,3}):(?P<option>[0-9])",
):
    """One option of a study question; the click is answered by `Study.clicked`."""

    study: Study | None = None  # set by `add_commands`: the running bot's study surface

    def __init__(self, session: int, index: int, option: int) -> None:
        letter = chr(ord("A") + option)
        custom_id = f"study:{session}:{index}:{option}"
        super().__init__(
            discord.ui.Button(label=letter, style=discord.ButtonStyle.secondary, custom_id=custom_id)
        )
        self.answer = (session, index, option)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> AnswerButton:
        return cls(int(match["session"]), int(match["index"]), int(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if AnswerButton.study is None:
            return
        await AnswerButton.study.clicked(interaction, *self.answer)


def make_button(q: StudyQuestion, option: int) -> AnswerButton:
    """The button for option `option` of question `q`."""
    return AnswerButton(q.session_id, q.index, option)


class Study:
    """The study commands and clicks of one running bot."""

    def __init__(self, app: App, client: discord.Client) -> None:
        self.app = app
        self.client = client

    @property
    def study(self) -> StudyService:
        """The app's study service."""
        return self.app.study

    async def player(self, interaction: discord.Interaction) -> int:
        """The person's player id in this server (created on first sight)."""
        if interaction.guild_id is None:
            raise QuizError("study commands work in a server channel, where your record is kept")
        store = self.app.store
        community = await store.community(self.app.service.platform, str(interaction.guild_id))
        return (await store.player(community, str(interaction.user.id), interaction.user.display_name)).id

    async def start(
        self, interaction: discord.Interaction, kind: SessionKind, stage: str | None, count: int | None
    ) -> None:
        """A command: open (or resume) a session and show its question privately."""
        await here(self.app.service, interaction)
        step = await flow.open_session(
            self.study, await self.player(interaction), kind, stage=stage, count=count
        )
        await self._send(interaction, step)

    async def clicked(self, interaction: discord.Interaction, session: int, index: int, option: int) -> None:
        """A button: record the answer, then replace the question with the feedback and the next one."""
        try:
            step = await flow.give_answer(self.study, await self.player(interaction), session, index, option)
        except QuizError as exc:
            await self._refuse(interaction, str(exc))
            return
        except Exception:
            log.exception("a study answer failed")
            await self._refuse(interaction, "something went wrong on our side; it has been logged")
            return
        # The question is replaced by its feedback and the next question (after the last answer, view=None
        # takes the buttons away).
        await interaction.response.edit_message(**message(step, self.study.clock()))

    async def _send(self, interaction: discord.Interaction, step: flow.Step) -> None:
        body = {k: v for k, v in message(step, self.study.clock()).items() if v is not None}
        await interaction.response.send_message(ephemeral=True, **body)

    async def _refuse(self, interaction: discord.Interaction, text: str) -> None:
        if not interaction.response.is_done():
            await interaction.response.send_message(
                f"⚠️ {render.safe(text)}", ephemeral=True, allowed_mentions=render.NO_PINGS
            )

    async def remind(self, external: str, community: str, due: int) -> None:
        """The daily reminder: a direct message to the person."""
        guild = self.client.get_guild(int(community))
        where = f" in {guild.name}" if guild is not None else ""
        channel = await self.client.create_dm(discord.Object(int(external)))
        await channel.send(flow.reminder_message(due, where, "/quiz"), allowed_mentions=render.NO_PINGS)


def add_study_field(embed: discord.Embed, summary: StudySummary) -> None:
    """Add the asker's study lines to their /stats embed."""
    lines = flow.summary_lines(summary, MARKUP, "/quiz practice")
    embed.add_field(name="Study", value=_cut("\n".join(lines), 1024), inline=False)


def add_commands(quiz: app_commands.Group, client: discord.Client, app: App) -> Study:
    """Add the study subcommands to /quiz, listen for option clicks and send reminders by DM."""
    study = Study(app, client)
    AnswerButton.study = study
    client.add_dynamic_items(AnswerButton)
    app.study_worker.send_reminder = study.remind

    async def stage_names(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        stages = app.service.bank.stages()
        found = [e for e in stages if current.lower() in e.name.lower() or current.lower() in e.id] or stages
        return [Choice(name=e.name[:100], value=e.id) for e in found[:25]]

    @quiz.command(name="review", description="Review privately the questions due for you (spaced repetition)")
    async def review(interaction: discord.Interaction) -> None:
        await study.start(interaction, SessionKind.REVIEW, None, None)

    @quiz.command(name="practice", description="A short private set from your weakest stages, or one stage")
    @app_commands.describe(stage="Lifecycle stage (default: your two weakest)")
    @app_commands.autocomplete(stage=stage_names)
    async def practice(interaction: discord.Interaction, stage: str | None = None) -> None:
        await study.start(interaction, SessionKind.PRACTICE, stage, None)

    @quiz.command(name="exam", description="A private timed mock exam across the stages, with a report")
    @app_commands.describe(count=f"How many questions, 1-{EXAM_MAX} (default 20; 90 s each)")
    async def exam(
        interaction: discord.Interaction, count: app_commands.Range[int, 1, EXAM_MAX] | None = None
    ) -> None:
        await study.start(interaction, SessionKind.EXAM, None, count)

    @quiz.command(name="report", description="Report a question as wrong or unclear")
    @app_commands.describe(
        question="The question's id, shown after each answer (e.g. ev-009)", reason="What is wrong"
    )
    async def report(
        interaction: discord.Interaction, question: str, reason: app_commands.Range[str, 1, 500]
    ) -> None:
        number = await study.study.report(await study.player(interaction), question.strip(), reason)
        await interaction.response.send_message(
            f"Report #{number} stored; thank you. The bank's keepers read it in `quizbot analytics --reports`.",
            ephemeral=True,
        )

    @quiz.command(name="remind", description="A direct message at most once a day when reviews are due")
    @app_commands.describe(state="on: a DM when questions are due; off: none")
    @app_commands.choices(state=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def remind(interaction: discord.Interaction, state: Choice[str]) -> None:
        on = flow.parse_on_off(state.value)
        await app.store.set_reminder(await study.player(interaction), on)
        await interaction.response.send_message(flow.remind_text(on, "/quiz remind"), ephemeral=True)

    @quiz.command(
        name="analytics", description="Each question's answers, difficulty and distractors (admins)"
    )
    @app_commands.describe(min_answers="Leave out questions with fewer answers (default 5)")
    async def analytics(
        interaction: discord.Interaction, min_answers: app_commands.Range[int, 1, 100000] = 5
    ) -> None:
        if not is_admin(interaction):
            raise PermissionDeniedError(NOT_ADMIN)
        rows = await study.study.analytics(min_answers)
        text = flow.analytics_text(rows, _CONTENT - 10)
        await interaction.response.send_message(f"```\n{text}\n```", ephemeral=True)

    return study
