"""What a line typed in the console means as an answer: who, which question, which letter (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...core.bank_schema import LETTERS
from ...core.errors import InvalidInputError, quoted
from ...core.rounds import Round

_LETTER = re.compile(r"#?(\d{1,9})?([a-z])\)?")  # 'b', 'b)', '3b', '#3b'
_NUMBER = re.compile(r"#?(\d{1,9})")  # '#3' or '3' before a separate letter
SYNTAX = "a letter (b), NAME LETTER (alice b), or with the question's number (alice 3b)"


@dataclass(frozen=True)
class Typed:
    """An answer as typed: `name` None is the person at the keyboard; `number` None is 'the open question'."""

    name: str | None
    number: int | None
    letter: str


def parse_answer(line: str) -> Typed:
    """Read 'b', 'alice b', 'alice 3b', 'alice #3 b'; InvalidInputError (one line, with the syntax) otherwise."""
    words = line.split()
    if not words:
        raise InvalidInputError(f"type {SYNTAX}")
    found = _LETTER.fullmatch(words[-1].lower())
    if found is None:
        what = "is not an answer" if len(words) == 1 else "has no answer letter at the end"
        raise InvalidInputError(f"{quoted(' '.join(words))} {what}; type {SYNTAX}, or /help")
    rest, number = words[:-1], found.group(1)
    if number is None and rest and (before := _NUMBER.fullmatch(rest[-1])):
        rest, number = rest[:-1], before.group(1)
    return Typed(" ".join(rest) or None, int(number) if number else None, found.group(2))


def pick_round(typed: Typed, open_rounds: list[Round], example: str) -> Round:
    """The open question the answer is for; a clear refusal when none or several could be meant."""
    if not open_rounds:
        raise InvalidInputError("no question is open; /now asks one")
    numbers = ", ".join(f"#{r.id}" for r in open_rounds)
    if typed.number is not None:
        for rnd in open_rounds:
            if rnd.id == typed.number:
                return rnd
        raise InvalidInputError(f"question #{typed.number} is not open; open now: {numbers}")
    if len(open_rounds) == 1:
        return open_rounds[0]
    who = f"{example} " if example else ""
    tries = " or ".join(f"'{who}{r.id}{typed.letter}'" for r in open_rounds)
    raise InvalidInputError(f"{len(open_rounds)} questions are open ({numbers}): say which, e.g. {tries}")


def option_index(typed: Typed, rnd: Round) -> int:
    """The option the letter names in this question, or a refusal naming the letters it has."""
    options = len(rnd.question.options)
    if typed.letter in LETTERS[:options]:
        return LETTERS.index(typed.letter)
    last = LETTERS[options - 1].upper()
    raise InvalidInputError(
        f"{quoted(typed.letter)} is not an option of question #{rnd.id}; its options are A-{last}"
    )
