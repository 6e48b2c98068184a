"""``python -m tools.dataset``: a point-in-time training set from Feast's offline store."""
