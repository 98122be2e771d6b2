"""Benchmarks that print their figures: `python -m bench` (all) or `python -m bench --small` (quick)."""
