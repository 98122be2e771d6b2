"""Bad arguments: every one is an InvalidInputError that says what is wrong and what is expected.

Each table runs twice: against the core function that owns the rule, and through the shared text-command
parser (console and Slack) on a real SQLite store, where a refused command must also leave nothing stored.
"""

from __future__ import annotations

import time

import pytest

from bot.adapters.text_commands import Caller, TextCommands, split
from bot.core.admin import Admin, check_name, check_timezone
from bot.core.config import ChannelConfig, apply_setting, check_window, parse_duration
from bot.core.errors import InvalidInputError
from bot.core.service import QuizService
from bot.scheduling import Scheduler, trigger

CRON_FORM = "e.g. '0 9 * * 1-5'"  # every cron message ends with the expected form and an example

BAD_CRONS = [
    ("", "has 0 fields"),
    ("0 9 * *", "has 4 fields"),
    ("0 9 * * * *", "has 6 fields"),
    ("@daily", "has 1 fields"),
    ("60 * * * *", "higher than the maximum value (59)"),
    ("* 24 * * *", "higher than the maximum value (23)"),
    ("* * 32 * *", "higher than the maximum value (31)"),
    ("* * 0 * *", "lower than the minimum value (1)"),
    ("* * * 13 *", "higher than the maximum value (12)"),
    ("* * * 0 *", "lower than the minimum value (1)"),
    ("-1 * * * *", "Unrecognized expression"),
    ("5-1 * * * *", "must not be higher than the maximum"),
    ("*/0 * * * *", "Increment must be higher than 0"),
    ("*/-1 * * * *", "Unrecognized expression"),
    ("*/x * * * *", "Unrecognized expression"),
    ("L * * * *", "Unrecognized expression"),
    ("* * * * 8", "day of week '8' is out of range 0-7"),
    ("* * * * 1,8", "day of week '8' is out of range 0-7"),
    ("* * * * 1-9", "day of week '1-9' is out of range 0-7"),
    ("* * * * 7-0", "day of week '7-0' is out of range 0-7"),
    ("* * * * */0", "day of week '*/0' is out of range 0-7"),
    ("* * * * 3-", "day of week '3-' is not a day 0-7, a range such as 1-5 or a name"),
    ("* * * * 5#2", "day of week '5#2' is not a day 0-7"),
    ("* * * * 5L", "day of week '5l' is not a day 0-7"),
    ("* * * * mon-xyz", "Invalid weekday name"),
    ("a b c d e", "Invalid month name"),
]
BAD_ZONES = [
    "Mars/Base",
    "",
    " ",
    "../etc/passwd",
    "/etc/passwd",
    "UTC+25",
    "Etc/GMT+25",
    "europe/berlin",
    "Europe/",
    "Europe/../UTC",
    "Europe/Berlin\x00",
    "x" * 300,
]
BAD_DURATIONS = [
    ("0s", "between 10s and 7d, not 0s"),
    ("5", "between 10s and 7d, not 5s"),
    ("8d", "between 10s and 7d"),
    ("-5m", "is not a duration; use e.g. 45s, 5m, 1h30m"),
    ("5 parsecs", "is not a duration"),
    ("5 minutes", "is not a duration"),
    ("99999h", "is too long; the longest duration is 3660d"),
    ("", "is not a duration"),
    ("ms", "is not a duration"),
    ("1.5h", "is not a duration"),
    ("1h30", "is not a duration"),
    ("1e9", "is not a duration"),
    ("∞", "is not a duration"),
    ("²s", "is not a duration"),  # a digit to str.isdigit(), not to int()
    ("9" * 5000, "is not a duration"),  # more digits than int() will read
]
BAD_NAMES = [
    "",
    " ",
    "\t",
    "x" * 41,
    "@everyone",
    "@here",
    "<@&123>",
    "<@123>",
    "<!here>",
    "<!channel>",
    "<#3000>",
    "**bold**",
    "`code`",
    "||spoiler||",
    "~~gone~~",
    "> quote",
    "# heading",
    "[link](https://example.com)",
    "a\x00b",
    "\x1b[31mred",
    "\u202eevil",  # right-to-left override
    "name\u200b",  # zero-width space
]
BAD_SETTINGS = [
    ("colour", "red", "unknown setting 'colour'; settings are: answer_window, allow_changes"),
    ("", "red", "unknown setting ''; settings are:"),
    ("scoring", "1", "unknown setting 'scoring'"),
    ("__class__", "x", "unknown setting '__class__'"),
    ("answer_window", "soon", "'soon' is not a duration; use e.g. 45s"),
    ("answer_window", "5s", "the answer window must be between 10s and 7d, not 5s"),
    ("answer_window", "30d", "the answer window must be between 10s and 7d"),
    ("allow_changes", "maybe", "allow_changes takes on or off, not 'maybe'"),
    ("remove_reactions", "2", "remove_reactions takes on or off, not '2'"),
    ("stages", "quantum", "unknown stage quantum; choose from eda, monitoring, training"),
    ("difficulties", "impossible", "unknown difficulty impossible; choose from easy, hard, medium"),
    ("points_easy", "-1", "points_easy must be between 0 and 1000"),
    ("points_hard", "1001", "points_hard must be between 0 and 1000"),
    ("speed_bonus", "lots", "speed_bonus takes a whole number from 0 to 1000, not 'lots'"),
    ("streak_cap", "1e3", "streak_cap takes a whole number from 0 to 1000"),
    ("streak_step", "1.5", "streak_step takes a whole number from 0 to 1000"),
    ("points_medium", "9" * 5000, "points_medium takes a whole number from 0 to 1000, not '999"),
]
STAGES = {"eda", "training", "monitoring"}


def refused(exc: pytest.ExceptionInfo[InvalidInputError], *fragments: str) -> None:
    """The message says what is wrong (each fragment) and stays short enough to post anywhere."""
    message = str(exc.value)
    for fragment in fragments:
        assert fragment in message, message
    assert 0 < len(message) < 400, message


@pytest.fixture
async def commands(service: QuizService) -> TextCommands:
    admin = Admin(service)
    admin.timetable = Scheduler(service, admin)  # built, not started: it only validates and groups here
    return TextCommands(service, admin, time.time)


@pytest.fixture
async def caller(service: QuizService) -> Caller:
    return Caller(await service.channel("g1", "c1"), "u1", "Ann", admin=True)


async def run_refused(
    commands: TextCommands, caller: Caller, words: list[str]
) -> pytest.ExceptionInfo[InvalidInputError]:
    with pytest.raises(InvalidInputError) as info:
        await commands.run(words, caller)
    return info


# -- cron expressions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("cron", "wrong"), BAD_CRONS, ids=[c or "(empty)" for c, _ in BAD_CRONS])
def test_bad_cron_in_the_core(cron: str, wrong: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        trigger(cron, "UTC")
    refused(info, repr(cron), wrong, CRON_FORM)


@pytest.mark.parametrize(("cron", "wrong"), BAD_CRONS, ids=[c or "(empty)" for c, _ in BAD_CRONS])
async def test_bad_cron_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, cron: str, wrong: str
) -> None:
    refused(await run_refused(commands, caller, ["schedule", "add", cron, "UTC"]), wrong, CRON_FORM)
    assert await service.store.schedules() == []


@pytest.mark.parametrize("cron", ["0 9 30 2 *", "0 0 31 4,6,9,11 *"])
async def test_a_cron_that_never_fires_is_refused(
    commands: TextCommands, caller: Caller, service: QuizService, cron: str
) -> None:
    refused(await run_refused(commands, caller, ["schedule", "add", cron, "UTC"]), "never fires")
    assert await service.store.schedules() == []


async def test_the_same_schedule_commands_with_good_values_work(
    commands: TextCommands, caller: Caller, service: QuizService
) -> None:
    reply = await commands.run(split("schedule add '0 9 * * 1-5' Europe/Berlin 10m"), caller)
    assert "Schedule #1 added" in str(reply)
    await commands.run(["schedule", "pause", "#1"], caller)
    (stored,) = await service.store.schedules()
    assert (stored.cron, stored.timezone, stored.window, stored.paused) == (
        "0 9 * * 1-5",
        "Europe/Berlin",
        600,
        True,
    )


# -- time zones ------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", BAD_ZONES, ids=[repr(z)[:20] for z in BAD_ZONES])
def test_bad_time_zone_in_the_core(zone: str) -> None:
    expected = "use an IANA name such as Europe/Berlin or UTC"
    with pytest.raises(InvalidInputError) as info:
        check_timezone(zone)
    refused(info, "unknown time zone", expected)
    with pytest.raises(InvalidInputError) as info:
        trigger("0 9 * * *", zone)  # the zone is what is wrong, not the cron
    refused(info, "unknown time zone", expected)


@pytest.mark.parametrize("zone", BAD_ZONES, ids=[repr(z)[:20] for z in BAD_ZONES])
async def test_bad_time_zone_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, zone: str
) -> None:
    refused(await run_refused(commands, caller, ["schedule", "add", "0 9 * * *", zone]), "unknown time zone")
    assert await service.store.schedules() == []


# -- durations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wrong"), BAD_DURATIONS, ids=[t[:12] or "(empty)" for t, _ in BAD_DURATIONS]
)
def test_bad_duration_in_the_core(text: str, wrong: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_window(parse_duration(text))
    refused(info, wrong)


@pytest.mark.parametrize(
    ("text", "wrong"), BAD_DURATIONS, ids=[t[:12] or "(empty)" for t, _ in BAD_DURATIONS]
)
async def test_bad_duration_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, text: str, wrong: str
) -> None:
    refused(await run_refused(commands, caller, ["config", "answer_window", text]), wrong)
    if text:  # an empty window means the channel's own, as if none was given
        refused(await run_refused(commands, caller, ["schedule", "add", "0 9 * * *", "UTC", text]), wrong)
    assert await service.store.schedules() == []
    assert (await service.channel("g1", "c1")).config == ChannelConfig()


@pytest.mark.parametrize(
    "ends", ["0s", "-5m", "5 parsecs", "99999999999d", "yesterday", "2026-13-45", "1999-01-01"]
)
async def test_bad_competition_end_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, ends: str
) -> None:
    info = await run_refused(commands, caller, ["competition", "start", "Cup", ends])
    assert "nor a date (2026-12-31)" in str(info.value) or "at least a minute from now" in str(info.value)
    assert await service.store.competitions(caller.channel.community_id) == []


# -- team and competition names --------------------------------------------------------------------


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n)[:20] for n in BAD_NAMES])
@pytest.mark.parametrize("what", ["team", "competition"])
def test_bad_name_in_the_core(name: str, what: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        check_name(name, what)
    refused(info, f"a {what} name is 1-40 letters, digits, spaces or . ' -")


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n)[:20] for n in BAD_NAMES])
async def test_bad_name_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, name: str
) -> None:
    refused(await run_refused(commands, caller, ["team", "create", name]), "team")
    refused(await run_refused(commands, caller, ["competition", "start", name, "7d"]), "competition")
    assert await service.store.teams(caller.channel.community_id) == []
    assert await service.store.competitions(caller.channel.community_id) == []


def test_underscores_are_refused_in_names() -> None:
    with pytest.raises(InvalidInputError):
        check_name("__Red__", "team")


def test_a_very_long_name_gives_a_short_message() -> None:
    with pytest.raises(InvalidInputError) as info:
        check_name("x" * 5000, "team")
    refused(info, "team name")


async def test_a_competition_ending_after_the_year_9999_is_refused(
    commands: TextCommands, caller: Caller
) -> None:
    await run_refused(commands, caller, ["competition", "start", "Cup", "9999-12-31T23:59:59-14:00"])


# -- /quiz config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "wrong"), BAD_SETTINGS, ids=[f"{k}={v[:8]}" for k, v, _ in BAD_SETTINGS]
)
def test_bad_setting_in_the_core(key: str, value: str, wrong: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        apply_setting(ChannelConfig(), key, value, STAGES)
    refused(info, wrong)


@pytest.mark.parametrize(
    ("key", "value", "wrong"), BAD_SETTINGS, ids=[f"{k}={v[:8]}" for k, v, _ in BAD_SETTINGS]
)
async def test_bad_setting_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, key: str, value: str, wrong: str
) -> None:
    refused(await run_refused(commands, caller, ["config", key, value]), wrong)
    assert (await service.channel("g1", "c1")).config == ChannelConfig()


# -- the rest of the parser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "wrong"),
    [
        ("frobnicate", "unknown command 'frobnicate'; try: help"),
        ("schedule add '0 9", "could not read the command: No closing quotation"),
        ("config answer_window", "give a value: config answer_window VALUE"),
        ("schedule remove 99999999999999999999999", "is not a schedule id; schedule list shows them"),
        ("schedule pause #12345678901234567890", "is not a schedule id"),
        ("schedule resume ²", "'²' is not a schedule id"),
        ("schedule remove abc", "usage: schedule add 'CRON' ZONE [WINDOW] | list | remove ID"),
        ("schedule add", "usage: schedule add"),
        ("team rename Red", "usage: team create NAME | join NAME | leave | list"),
        ("competition start Cup", "usage: competition start NAME ENDS"),
        ("leaderboard decade", "period is one of all, week, month, competition; not 'decade'"),
        ("now eda impossible", "difficulty is easy, medium or hard, not 'impossible'"),
        ("now quantum", "unknown stage 'quantum'"),
        ("lookup", "lookup what? e.g. lookup A2I"),
    ],
)
async def test_bad_commands_through_the_parser(
    commands: TextCommands, caller: Caller, service: QuizService, line: str, wrong: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        await commands.run(split(line), caller)  # an unbalanced quote is refused while splitting
    refused(info, wrong)
    assert await service.store.schedules() == []
