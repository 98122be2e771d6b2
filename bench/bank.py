"""Bank: 1000 generated questions load and validate; the shipped bank loads; lookups answer."""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup

from .common import Figure, below, median_ms

SHIPPED = Path(__file__).resolve().parent.parent / "questions"
EVAL = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "tests" / "core" / "lookup_queries.yaml").read_text(
        encoding="utf-8"
    )
)


def _timed(call: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def generated_bank(directory: Path, count: int) -> Path:
    """`count` valid questions in ten files, tagged with the shipped glossary's stages and services."""
    glossary = yaml.safe_load((SHIPPED / "glossary.yaml").read_text(encoding="utf-8"))["glossary"]
    stages = [e["id"] for e in glossary if e["kind"] == "stage"]
    services = [e["id"] for e in glossary if e["kind"] == "service"]
    rng = random.Random(7)
    (directory / "glossary.yaml").write_text(yaml.safe_dump({"glossary": glossary}), encoding="utf-8")
    per_file = count // 10
    for f in range(10):
        questions = []
        for i in range(per_file):
            right = rng.randrange(4)
            questions.append(
                {
                    "id": f"gen-{f:02d}-{i:04d}",
                    "stage": rng.choice(stages),
                    "services": rng.sample(services, 2),
                    "concepts": [],
                    "difficulty": rng.choice(["easy", "medium", "hard"]),
                    "style": "scenario",
                    "prompt": f"A team must choose how to handle situation {f}-{i} in their ML workflow. "
                    "Which approach fits best, given the constraints described here?",
                    "options": [
                        {
                            "text": f"Option {k} for situation {f}-{i}, with enough words to be realistic",
                            "why": f"Because option {k} {'fits' if k == right else 'does not fit'} the case.",
                            **({"correct": True} if k == right else {}),
                        }
                        for k in range(4)
                    ],
                    "explanation": "The right option matches the constraints; the others each miss one.",
                }
            )
        (directory / f"gen-{f:02d}.yaml").write_text(
            yaml.safe_dump({"questions": questions}, sort_keys=False), encoding="utf-8"
        )
    return directory


def run(small: bool) -> list[Figure]:
    count, repeat = (100, 3) if small else (1000, 15)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = generated_bank(Path(tmp), count)
        bank = load_bank([path])
        assert len(bank.questions) == count
        figures.append(
            below(
                f"load + validate {count} generated questions",
                median_ms(lambda: load_bank([path]), repeat),
                "ms",
                150,
            )
        )
    bank = load_bank([SHIPPED])
    figures.append(
        below(
            f"load + validate the shipped bank ({len(bank.questions)} questions)",
            median_ms(lambda: load_bank([SHIPPED]), repeat),
            "ms",
            100,
        )
    )
    index = Lookup(bank)
    index.search("warm up")  # the first lookup builds the word index (bm25s); timed on its own below
    queries = [q for cat, items in EVAL.items() for q in (items if cat == "none" else list(items))]
    queries = queries[:20] if small else queries
    runs = 1 if small else 5
    times = sorted(_timed(lambda q=q: index.search(q, 5)) for _ in range(runs) for q in queries)  # type: ignore[misc]
    label = f"over {len(queries)} evaluation queries x{runs}"
    figures.append(below(f"lookup: median {label}", times[len(times) // 2], "ms", 2))
    figures.append(below(f"lookup: 99th percentile {label}", times[int(len(times) * 0.99)], "ms", 10))
    prefixes = [q[:n] for q in queries for n in (2, 5, 9) if len(q) > n]
    done = sorted(_timed(lambda p=p: index.complete(p, 25)) for p in prefixes)  # type: ignore[misc]
    label = f"over {len(prefixes)} typed prefixes of them"
    figures.append(below(f"autocomplete: median {label}", done[len(done) // 2], "ms", 2))
    figures.append(below(f"autocomplete: 99th percentile {label}", done[int(len(done) * 0.99)], "ms", 10))
    fresh = Lookup(bank)
    figures.append(
        Figure("lookup: first lookup (builds the word index)", _timed(lambda: fresh.search("clarify")), "ms")
    )
    return figures
