"""Bank: 1000 generated questions load and validate; the shipped bank loads; lookups answer."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import yaml

from bot.core.bank_loader import load_bank
from bot.core.lookup import Lookup

from .common import Figure, below, median_ms

SHIPPED = Path(__file__).resolve().parent.parent / "questions"
QUERIES = [
    "sagmaker clarfy",
    "A2I",
    "AMT",
    "EDA",
    "detect bias in my model",
    "label images with humans",
    "batch transform",
    "drift",
    "feature store",
    "which service visualizes dashboards",
    "f1",
    "roi",
    "wrang",
    "s3",
    "hyperparameter",
    "ground truth",
    "pipelines",
    "jumpstart pretrained models",
]


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
    queries = QUERIES[:4] if small else QUERIES
    times = sorted(median_ms(lambda q=q: index.search(q, 5), 5 if small else 50) for q in queries)  # type: ignore[misc]
    figures.append(
        below(f"lookup: median of {len(queries)} queries' medians", times[len(times) // 2], "ms", 2)
    )
    figures.append(Figure("lookup: slowest query's median", times[-1], "ms"))
    prefixes = ["s", "sag", "sagemaker m", "wrang", "drift", "a2"]
    done = sorted(median_ms(lambda p=p: index.complete(p, 25), 5 if small else 50) for p in prefixes)  # type: ignore[misc]
    figures.append(
        below(f"autocomplete: median of {len(prefixes)} prefixes' medians", done[len(done) // 2], "ms", 2)
    )
    return figures
