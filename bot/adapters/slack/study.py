"""Private study on Slack: `/quiz review | practice [STAGE] | exam [COUNT] | report QUESTION REASON |
remind on|off | analytics [MIN]`, option buttons (block_actions), the study lines of `/quiz stats`, and the
daily reminder by DM.

A session lives in ephemeral messages: the command is answered through its response_url as ephemeral,
and each click replaces that message (replace_original) with the feedback and the next question. Nothing
is posted in the channel and nothing reaches a leaderboard. The buttons carry session, question and
option in their value, so a click needs no state in the bot and works after a restart.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ...core.errors import PermissionDeniedError, QuizError
from .. import study_flow as flow
from .. import text_commands as tc
from ..text_commands import Caller
from . import render
from .files import show_reply

if TYPE_CHECKING:
    from .app import SlackBot

log = logging.getLogger(__name__)
MARKUP = flow.Markup(lambda text: f"*{text}*", render.safe)
ACTION = re.compile(r"^study_answer_[0-9]$")
USAGE = """review                             your questions due for review, privately
practice [STAGE]                   a short private set (default: your weakest stages)
exam [COUNT]                       a private timed mock exam (default 20 questions, 90 s each)
report QUESTION REASON             report a question as wrong or unclear
remind on|off                      a DM at most once a day when reviews are due
analytics [MIN_ANSWERS]            each question's figures (admins)"""
COMMANDS = ("review", "practice", "exam", "report", "remind", "analytics")


def blocks(step: flow.Step, now: float) -> tuple[str, render.Blocks]:
    """Fallback text and blocks of the private message for a step."""
    out: render.Blocks = [render._context(render.safe(note)) for note in step.notes]
    fallback = ""
    if step.feedback is not None:
        lines = flow.feedback_lines(step.feedback, MARKUP, "/quiz report")
        out.append(render._section("\n".join(lines)))
        fallback = lines[0]
    if step.report is not None:
        lines = flow.report_lines(step.report, MARKUP, "/quiz practice")
        out.append(render._section("\n".join(lines)))
        fallback = lines[0]
    q = step.question
    if q is not None:
        lines = flow.question_lines(q, now, MARKUP)
        out.append(render._section("\n".join(lines)))
        out.append(
            {
                "type": "actions",
                "block_id": f"study_{q.session_id}_{q.index}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"study_answer_{i}",
                        "text": {"type": "plain_text", "text": chr(ord("A") + i)},
                        "value": flow.answer_id(q, i),
                    }
                    for i in range(len(q.question.options))
                ],
            }
        )
        fallback = lines[0]
    elif step.done:
        out.append(
            render._context(
                step.done.replace("`review`", "`/quiz review`").replace("`stats`", "`/quiz stats`")
            )
        )
    return (fallback or "Study").replace("*", ""), out


class SlackStudy:
    """The study commands and clicks of one Slack bot."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

        @bot.bolt.action(ACTION)
        async def clicked(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
            await ack()
            await self.clicked(action, body, respond)

    def _app(self) -> Any:
        assert self.bot.app is not None
        return self.bot.app

    async def _player(self, community_id: int, user: str, name: str) -> int:
        return int((await self._app().store.player(community_id, user, name)).id)

    async def handle(self, words: list[str], who: Caller, respond: Any) -> bool:
        """Run a study command, or add the study lines to `stats` and the study commands to `help`; False
        when `words` are none of those."""
        if not words:
            return False
        cmd, args = words[0].lower(), words[1:]
        if cmd in ("help", "?"):
            await respond(text=f"{tc.USAGE}\n{USAGE}", response_type="ephemeral")
            return True
        if cmd == "stats" and (not args or args == [who.player]):
            await self._stats(words, who, respond)
            return True
        if cmd not in COMMANDS:
            return False
        app = self._app()
        player = await self._player(who.channel.community_id, who.player, who.name)
        if cmd in flow.KINDS:
            if cmd == "exam":
                stage, count = None, flow.parse_count(args[0] if args else None)
            else:
                stage, count = (" ".join(args) or None) if cmd == "practice" else None, None
            step = await flow.open_session(app.study, player, flow.KINDS[cmd], stage=stage, count=count)
            text, out = blocks(step, app.study.clock())
            await respond(text=text, blocks=out, response_type="ephemeral")
            return True
        if cmd == "report":
            if len(args) < 2:
                raise QuizError(
                    "usage: /quiz report QUESTION REASON, e.g. /quiz report ev-009 two options fit"
                )
            number = await app.study.report(player, args[0], " ".join(args[1:]))
            said = f"Report #{number} stored; thank you. The bank's keepers read it in `quizbot analytics --reports`."
        elif cmd == "remind":
            on = flow.parse_on_off(args[0] if len(args) == 1 else None)
            await app.store.set_reminder(player, on)
            said = flow.remind_text(on, "/quiz remind")
        else:
            if not who.admin:
                raise PermissionDeniedError("only admins can read the question analytics")
            least = int(args[0]) if args and args[0].isascii() and args[0].isdigit() else 5
            said = "```\n" + flow.analytics_text(await app.study.analytics(least), 2900) + "\n```"
        await respond(text=said, response_type="ephemeral")
        return True

    async def _stats(self, words: list[str], who: Caller, respond: Any) -> None:
        assert self.bot.commands is not None
        app = self._app()
        reply = await self.bot.commands.run(words, who)
        text, out, _ = render.reply(reply, {})
        summary = await app.study.summary(await self._player(who.channel.community_id, who.player, who.name))
        lines = flow.summary_lines(summary, MARKUP, "/quiz practice")
        out = [*(out or []), render._section("\n".join([MARKUP.bold("Study"), *lines]))]
        await respond(text=text, blocks=out, response_type="ephemeral")  # the asker's own: always private
        await show_reply(self.bot.chat, reply, who.channel.external_id, who.player)  # the card, by DM

    async def clicked(self, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        """An option button: record the answer and replace the message with the feedback and the next."""
        user, team = body.get("user"), body.get("team")
        parsed = flow.parse_answer_id(str(action.get("value", "")))
        uid = user.get("id") if isinstance(user, dict) else None
        tid = (team.get("id") if isinstance(team, dict) else None) or (
            user.get("team_id") if isinstance(user, dict) else None
        )
        if parsed is None or not isinstance(uid, str) or not isinstance(tid, str) or self.bot.app is None:
            log.warning("malformed study click dropped (value %r)", action.get("value"))
            return
        app = self._app()
        try:
            person = await self.bot.users.get(uid)
            community = await app.store.community(app.service.platform, tid)
            step = await flow.give_answer(app.study, await self._player(community, uid, person.name), *parsed)
        except QuizError as exc:
            text = f":warning: {render.safe(str(exc))}"
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        except Exception:
            log.exception("a study answer failed")
            text = ":warning: something went wrong on our side; it has been logged"
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        text, out = blocks(step, app.study.clock())
        await respond(text=text, blocks=out, response_type="ephemeral", replace_original=True)

    async def remind(self, external: str, community: str, due: int) -> None:
        """The daily reminder: a DM to the person (conversations.open, then chat.postMessage)."""
        opened = await self.bot.client.conversations_open(users=external)
        channel = opened["channel"]["id"]
        await self.bot.client.chat_postMessage(channel=channel, text=flow.reminder_message(due, "", "/quiz"))
