"""Benchmarks: the platform's per-observation cost against River in a plain loop."""
