"""Glossary lookup: names, abbreviations and typos, plain-language needs, and the lifecycle's order."""

from .engine import Lookup

__all__ = ["Lookup"]
