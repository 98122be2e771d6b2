"""Lookup: names and typos (rapidfuzz) and words (BM25 over the bank's evidence), fused by rank.

The two rankings are fused by weighted reciprocal rank (each entry scores w / (1 + rank) in each list);
a query that is a name (a name or alias matched at 90 or more) trusts the name list three times as much
as the words, any other query trusts the words twice as much. A need described in words that ranks a
stage first gets a service of that stage first when the service's evidence is nearly as strong. An
entry is shown only when it fits: its name matched at 85 or more, or its evidence holds 40 % of the
query's weight of words and at least two of its words (a one-word query: all of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..bank import Bank
from ..bank_schema import GlossaryEntry, Kind
from ..views import LookupAnswer, LookupHit
from .evidence import documents
from .lifecycle import Lifecycle, OrderQuestion, Relation, parse
from .names import NameIndex, clean
from .words import WordIndex, WordMatch

NAME_QUERY = 90.0  # a name or alias typed (or nearly): the name list leads
NAME_FITS = 85.0  # a name matched this well is a card
WORDS_FIT = 0.4  # evidence holding this share of the query's word weight (and MIN_HELD words) is a card
MIN_HELD = 2  # one word in common with a several-word query is chance ("photoshop layers")
NEAR_EQUAL = 0.85  # a second card scoring this share of the first is shown beside it
SUGGEST = 60.0  # names this close are offered when nothing fits
SERVICE_OVER_STAGE = 0.75  # a service whose evidence scores this share of its stage's comes first
SERVICE_COVERS = 0.8  # ... and explains this share of the words the stage explains
IDEA_OVER_SERVICE = (
    0.7  # asking what it is: a stage or concept scoring this share of its service's comes first
)
SERVICE_DEPTH = 4  # how far down the ranking such a service is looked for
NAME_NOISE = 70.0  # in a description, names matched less than this are chance resemblances
CUE = 1.5  # a lifecycle cue ("before training") multiplies the word score of its stages' entries by this
KNOWN_FIT = 0.7  # nothing-fits rule: the share of the known words' weight a clear leader must hold
LEAD = 1.5  # ... and how far its word score must lead the next entry's

# A query asking what something is or where it belongs, not for something done.
ASKING = re.compile(
    r"^(what|which)\b|\b(what is|what s|what are|called|term for|meaning of|define|definition of|concept of)\b"
    r"|\bthe (stage|step|phase|practice|concept|idea|process) (of|where|when|in which|that)\b"
)


@dataclass(frozen=True)
class _Ranked:
    entry: str
    fused: float
    name: float
    words: WordMatch | None
    clear: bool = False  # the words the bank knows point clearly at this entry (see Lookup._clear)

    @property
    def fits(self) -> bool:
        if self.name >= NAME_FITS or self.clear:
            return True
        if self.words is None:
            return False
        if self.words.coverage >= 0.99:
            return True
        # With a word the bank does not know in the query, words read through an equivalent are a guess:
        # two of the words must be held as typed ("kafka consumer groups" is not customer segments).
        held = self.words.typed if self.words.unknown else self.words.held
        return self.words.coverage >= WORDS_FIT and held >= MIN_HELD

    @property
    def confidence(self) -> float:
        """0-100: the better of the name match and the share of the query's words explained."""
        return max(self.name, 100 * (self.words.coverage if self.words else 0.0))


class Lookup:
    """An index over a bank's glossary and questions, built once per bank (the words on first use)."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.lifecycle = Lifecycle(bank)
        self._names = NameIndex(bank.glossary.values())
        self._words: WordIndex | None = None

    @property
    def words(self) -> WordIndex:
        """The BM25 index, built on first use."""
        if self._words is None:
            self._words = WordIndex(documents(self.bank), learner=self.bank.lookup)
        return self._words

    # -- ranking ----------------------------------------------------------------------------------

    def _rank(self, cleaned: str) -> list[_Ranked]:
        names = self._names.scores(cleaned)
        if max(names.values(), default=0.0) < NAME_QUERY:  # a description: only names it nearly spells
            names = {e: v for e, v in names.items() if v >= NAME_NOISE}
        text, stages = self.words.learner.cue(cleaned)
        words = self.words.match(text)
        if stages:  # "before training", "in production": weigh up the entries of those stages
            words = {
                e: replace(m, score=m.score * CUE) if self._in(e, stages) else m for e, m in words.items()
            }
        by_name = sorted(names, key=lambda e: -names[e])
        by_words = sorted(words, key=lambda e: -words[e].score)
        clear = self._clear(by_words, words)
        w_names, w_words = (3.0, 1.0) if max(names.values(), default=0.0) >= NAME_QUERY else (1.0, 2.0)
        fused: dict[str, float] = {}
        for weight, ranking in ((w_names, by_name), (w_words, by_words)):
            for rank, entry in enumerate(ranking, start=1):
                fused[entry] = fused.get(entry, 0.0) + weight / (1 + rank)
        ranked = [_Ranked(e, f, names.get(e, 0.0), words.get(e), e == clear) for e, f in fused.items()]
        ranked.sort(key=lambda r: (-r.fused, self.bank.glossary[r.entry].name))
        if w_words > w_names:  # a need: asking what it is puts the stage or concept first, doing the service
            if ASKING.search(cleaned):
                self._idea_first(ranked)
            else:
                self._service_first(ranked)
        return ranked

    def _in(self, entry_id: str, stages: frozenset[str]) -> bool:
        """Whether an entry is one of the stages or serves one of them."""
        entry = self.bank.glossary[entry_id]
        return entry_id in stages or not stages.isdisjoint(entry.stages)

    @staticmethod
    def _clear(by_words: list[str], words: dict[str, WordMatch]) -> str | None:
        """The entry the query's known words point at clearly, though some of its words are unknown: it
        holds KNOWN_FIT of the known words' weight and two of them, no fewer than the words the bank lacks,
        and leads the next entry by LEAD."""
        if not by_words:
            return None
        top = words[by_words[0]]
        runner_up = words[by_words[1]].score if len(by_words) > 1 else 0.0
        if top.typed >= MIN_HELD and top.known >= KNOWN_FIT and top.unknown <= top.held:
            return by_words[0] if top.score >= LEAD * runner_up else None
        return None

    def _serves(self, service: str, other: str) -> bool:
        """Whether `service` is a service used in the stage `other` or named among `other`'s services."""
        entry = self.bank.glossary[service]
        return entry.kind is Kind.SERVICE and (
            other in entry.stages or service in self.bank.glossary[other].services
        )

    def _service_first(self, ranked: list[_Ranked]) -> None:
        """A need described in words: a service of the top stage (or of the top concept, metric ...) comes
        first when its evidence is strong and explains the query's words nearly as well (someone describing
        what they need done wants the tool; the stage's card lists it anyway)."""
        top = ranked[0] if ranked else None
        if (
            top is None
            or top.words is None
            or self.bank.glossary[top.entry].kind not in (Kind.STAGE, Kind.CONCEPT)
        ):
            return
        for i, r in enumerate(ranked[1:SERVICE_DEPTH], start=1):
            strong = (
                r.words is not None
                and r.words.score >= SERVICE_OVER_STAGE * top.words.score
                and r.words.coverage >= SERVICE_COVERS * top.words.coverage
            )
            if strong and r.fits and self._serves(r.entry, top.entry):
                ranked.insert(0, ranked.pop(i))
                return

    def _idea_first(self, ranked: list[_Ranked]) -> None:
        """A query asking what something is or which stage ("what is", "the phase where"): when a service
        comes first, the stage or concept it serves comes before it if its evidence is nearly as strong."""
        top = ranked[0] if ranked else None
        if top is None or top.words is None or self.bank.glossary[top.entry].kind is not Kind.SERVICE:
            return
        for i, r in enumerate(ranked[1:SERVICE_DEPTH], start=1):
            strong = (
                r.words is not None
                and r.words.score >= IDEA_OVER_SERVICE * top.words.score
                and r.words.coverage >= SERVICE_COVERS * top.words.coverage
            )
            if strong and r.fits and self._serves(top.entry, r.entry):
                ranked.insert(0, ranked.pop(i))
                return

    def _hit(self, entry_id: str, score: float) -> LookupHit:
        entry = self.bank.glossary[entry_id]
        return LookupHit(
            entry=entry,
            score=round(min(score, 100.0), 1),
            stages=tuple(entry.stages),
            services=tuple(self.bank.services_for(entry)),
            questions=self.bank.question_counts.get(entry.id, 0),
        )

    # -- answers ----------------------------------------------------------------------------------

    def answer(self, query: str, limit: int = 5) -> LookupAnswer:
        """The cards that fit the query, best first, or none with close names to suggest."""
        cleaned = clean(query)
        outside, rest = self.words.learner.outside(cleaned)
        if outside and not self._names.named(rest):  # a product this bank does not cover, and none it does
            return LookupAnswer(query, (), covered=False)
        cleaned = rest
        if not cleaned:
            return LookupAnswer(query, ())
        order = parse(cleaned)
        if order is not None:
            found = self._order(query, order, limit)
            if found is not None:
                return found
        ranked = self._rank(cleaned)
        fitting = [r for r in ranked if r.fits]
        if not fitting:
            return self._nothing(query, cleaned, ranked)
        hits = tuple(self._hit(r.entry, r.confidence) for r in fitting[:limit])
        cards, note = 1, ""
        if len(fitting) > 1 and self._near_equal(fitting[0], fitting[1]):
            cards = 2
            note = self._shared_note(fitting[0].entry, fitting[1].entry)
        return LookupAnswer(query, hits, cards=min(cards, len(hits)), note=note)

    def search(self, query: str, limit: int = 5) -> list[LookupHit]:
        """Best matches first; an empty list when nothing fits."""
        return list(self.answer(query, limit).hits)

    def complete(self, prefix: str, limit: int = 25) -> list[GlossaryEntry]:
        """Suggestions while typing: lifecycle stages first when nothing is typed."""
        if not prefix.strip():
            ordered = self.bank.stages() + sorted(
                (e for e in self.bank.glossary.values() if e.kind.value != "stage"),
                key=lambda e: e.name,
            )
            return ordered[:limit]
        cleaned = clean(prefix)
        if not cleaned:
            return []
        ranked = self._rank(cleaned)
        good = [r for r in ranked if r.fits]
        return [self.bank.glossary[r.entry] for r in good[:limit]]

    def _near_equal(self, first: _Ranked, second: _Ranked) -> bool:
        """Close scores; a service and its own stage are close from SERVICE_OVER_STAGE on."""
        if first.name >= NAME_QUERY or first.words is None or second.words is None:
            return False
        pair = self._serves(first.entry, second.entry) or self._serves(second.entry, first.entry)
        return second.words.score >= (SERVICE_OVER_STAGE if pair else NEAR_EQUAL) * first.words.score

    def _shared_note(self, first: str, second: str) -> str:
        """The note of either entry that speaks of the other, or of a stage both serve."""
        a, b = self.bank.glossary[first], self.bank.glossary[second]
        places = [a, b] + [self.bank.glossary[s] for s in dict.fromkeys(a.stages) if s in b.stages]
        for entry in places:
            other = b if entry is a else a
            words = {clean(other.name), *(clean(x) for x in other.aliases)}
            if entry.note and any(w and w in clean(entry.note) for w in words):
                return entry.note
        return ""

    def _nothing(self, query: str, cleaned: str, ranked: list[_Ranked]) -> LookupAnswer:
        names = self._names.scores(cleaned)
        close = sorted((e for e, v in names.items() if v >= SUGGEST), key=lambda e: -names[e])
        suggestions = tuple(self.bank.glossary[e].name for e in close[:3])
        unknown = [w for w in self.words.unknown(cleaned) if not self._names.known(w)]
        return LookupAnswer(query, (), suggestions=suggestions, covered=not unknown)

    # -- the lifecycle ------------------------------------------------------------------------------

    def _subject(self, order: OrderQuestion) -> GlossaryEntry | None:
        if not order.subject:
            return None
        fitting = [self.bank.glossary[r.entry] for r in self._rank(order.subject) if r.fits][:3]
        if order.relation in (Relation.AFTER, Relation.BEFORE):  # "after data cleaning": a stage if one fits
            stage = next((e for e in fitting if self.lifecycle.is_stage(e.id)), None)
            if stage is not None:
                return stage
        return next((e for e in fitting if self.lifecycle.stages_of(e)), None)  # the best with a place

    def _order(self, query: str, order: OrderQuestion, limit: int) -> LookupAnswer | None:
        life = self.lifecycle
        if not life.stages:
            return None
        subject = self._subject(order)
        stage = life.stages_of(subject)[0] if subject else None
        if order.relation is Relation.FIRST:
            found, note = [life.stages[0]], f"The lifecycle starts with {life.stages[0].name}."
        elif order.relation is Relation.LAST:
            last = life.stages[-1]
            found, note = [last], f"The last stage is {last.name}; then the lifecycle loops back."
        elif order.relation is Relation.LOOP:
            found = life.loop(stage.id if stage else None)
            note = "After retraining, the lifecycle loops back to " + _names(found) + "."
        elif stage is None:
            return None
        elif order.relation is Relation.AFTER:
            found = life.next(stage.id)
            note = f"After {stage.name} comes {_names(found)}."
        elif order.relation is Relation.BEFORE:
            found = life.previous(stage.id)
            note = f"Before {stage.name} comes {_names(found)}." if found else f"{stage.name} comes first."
            found = found or [stage]
        else:
            assert subject is not None
            found = self._stages_for(query, subject)
            note = f"{subject.name} is used in: {_names(found)}."
        if not found:
            return None
        hits = tuple(self._hit(s.id, 100.0) for s in found[:limit])
        return LookupAnswer(query, hits, note=note)

    def _stages_for(self, query: str, subject: GlossaryEntry) -> list[GlossaryEntry]:
        """The subject's stages: where the bank asks about it most first, then the one the query fits best."""
        stages = self.lifecycle.stages_of(subject)
        words = self.words.match(clean(query))

        def key(s: GlossaryEntry) -> tuple[int, float]:
            match = words.get(s.id)
            return (-self.lifecycle.asked_in(subject, s.id), -(match.score if match else 0.0))

        return sorted(stages, key=key)


def _names(entries: list[GlossaryEntry]) -> str:
    names = [e.name for e in entries]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
