"""``python -m tools.feast_bench``: what pushing every window to Feast costs the pipeline."""
