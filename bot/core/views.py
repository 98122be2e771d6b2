"""What adapters render: plain values, no platform types."""

from __future__ import annotations

from dataclasses import dataclass

from .bank_schema import GlossaryEntry, Question
from .ranking import Standing
from .records import ResultRow
from .results import ScoredAnswer


@dataclass(frozen=True)
class ChannelRef:
    """Where to post on the platform."""

    community: str
    channel: str


@dataclass(frozen=True)
class QuestionView:
    """A question as posted: the adapter adds one reaction per option."""

    round_id: int
    question: Question
    stage_name: str
    closes_at: float
    window: int


@dataclass(frozen=True)
class RevealView:
    """The reveal after close, built from what storage recorded."""

    round_id: int
    question: Question
    stage_name: str
    posted_at: float
    results: tuple[ResultRow | ScoredAnswer, ...]  # as stored (after a restart), or as just scored
    # True after a restart found the round closed but its reveal not recorded: an earlier run may have
    # posted it just before stopping, so an adapter that can look for it does, instead of posting twice.
    maybe_posted: bool = False
    # The answer's glossary entry: the reveal links its lookup card and its AWS documentation.
    answer: GlossaryEntry | None = None

    @property
    def tally(self) -> tuple[int, ...]:
        """How many chose each option."""
        counts = [0] * len(self.question.options)
        for r in self.results:
            if 0 <= r.option < len(counts):
                counts[r.option] += 1
        return tuple(counts)

    @property
    def winners(self) -> list[ResultRow | ScoredAnswer]:
        """Correct answers, fastest first."""
        return sorted((r for r in self.results if r.correct), key=lambda r: (r.at, r.player))


@dataclass(frozen=True)
class LeaderboardView:
    """A ranked board, and the asker's own row when it is not on the board."""

    title: str
    rows: tuple[Standing, ...]
    me: Standing | None = None
    note: str = ""  # teams: the rule in force; final standings: the winning team's best contributors
    # Places each row (by key) moved up (+) or down (-) since `since`; a key missing is new there. None: this
    # board does not track movement, and `since` says why (the image cards show it; see bot/core/moves.py).
    moves: dict[str, int] | None = None
    since: str = ""


@dataclass(frozen=True)
class Accuracy:
    """Correct out of answered, for one stage or service."""

    key: str
    name: str
    correct: int
    answered: int

    @property
    def ratio(self) -> float:
        """Share correct (0 when none answered)."""
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class StatsView:
    """One player's record in a community."""

    name: str
    points: int
    rank: int | None
    answered: int
    correct: int
    streak: int
    best_streak: int
    by_stage: tuple[Accuracy, ...]
    by_service: tuple[Accuracy, ...]
    weakest_stage: Accuracy | None


@dataclass(frozen=True)
class LookupHit:
    """One lookup result."""

    entry: GlossaryEntry
    score: float
    stages: tuple[str, ...]
    services: tuple[str, ...]
    questions: int


@dataclass(frozen=True)
class LookupAnswer:
    """What a lookup found: cards best first (none when nothing fits), and what to say about them."""

    query: str
    hits: tuple[LookupHit, ...]
    cards: int = 1  # hits to show in full: 2 when the first two are near-equal
    note: str = ""  # an order answer ("After Model deployment comes Model monitoring.") or a caution
    suggestions: tuple[str, ...] = ()  # close names, when nothing fits
    covered: bool = True  # False: the query is about something this bank does not cover
