"""YAML syntax errors in plain words: what is wrong and what to do, worked out from the file's own text."""

from __future__ import annotations

import yaml


def syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """(line, message) for a YAML syntax error in `text`."""
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1 if mark else 1), f"YAML syntax: {exc.problem or exc.context or exc}"
