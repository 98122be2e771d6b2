"""Domain errors: adapters turn these into user-facing messages once, at the edge."""

from __future__ import annotations


def quoted(text: str, limit: int = 50) -> str:
    """User text for an error message: quoted, invisible characters shown, long text cut."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class QuizError(Exception):
    """Base of every error the core raises on purpose; its text is safe to show a user."""


class RoundClosedError(QuizError):
    """An answer arrived after the round stopped collecting answers."""


class AlreadyAnsweredError(QuizError):
    """The player already answered and the channel does not allow changes."""


class UnknownOptionError(QuizError):
    """The answer names an option the question does not have."""


class IllegalTransitionError(QuizError):
    """A round was asked to move to a state it cannot reach from where it is."""


class NoQuestionError(QuizError):
    """No question in the bank matches the channel's pool and the filters asked for."""


class NotFoundError(QuizError):
    """A schedule, team, competition or round named by the user does not exist."""


class ConflictError(QuizError):
    """The request clashes with what is stored (a duplicate name, an overlapping competition)."""


class InvalidInputError(QuizError):
    """A command argument is malformed; the message says which and what is expected."""


class PermissionDeniedError(QuizError):
    """The caller lacks the admin rights the command needs."""


class BankError(QuizError):
    """The question bank failed to load; `problems` lists every error with file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        head = f"question bank has {count} error{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


class StorageError(QuizError):
    """The database cannot be used (not ours, or from a newer quizbot)."""
