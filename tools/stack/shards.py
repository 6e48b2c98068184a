"""The local model tier: how many model shards ``MODEL_SHARDS`` asks for, and where they live.

Shard ``k`` of ``N`` keeps its state in ``<state>/model-<k>-of-<N>`` (``<state>/model`` when
``N`` is 1), so state written under one shard count is never read under another: changing ``N``
moves series between shards (``services.pipeline.sharding``), which is not a migration.
"""

import os

PORT_STEP = 10
"""Shard ``k`` of ``make up`` listens on ``MODEL_PORT + 10 k``: 8000, 8010, 8020, ..."""


def shard_count(environ=os.environ) -> int:
    """``MODEL_SHARDS`` (default 1), or a ValueError naming the variable.

    Examples
    --------
    >>> shard_count({}), shard_count({"MODEL_SHARDS": "2"})
    (1, 2)
    >>> shard_count({"MODEL_SHARDS": "0"})
    Traceback (most recent call last):
    ...
    ValueError: MODEL_SHARDS must be a whole number from 1 to 64, got '0'
    """
    raw = environ.get("MODEL_SHARDS", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ValueError(f"MODEL_SHARDS must be a whole number from 1 to 64, got {raw!r}")
    return int(raw)


def state_name(k: int, n: int) -> str:
    """The state directory name of shard ``k`` of ``n``.

    Examples
    --------
    >>> state_name(0, 1), state_name(1, 2)
    ('model', 'model-1-of-2')
    """
    return "model" if n == 1 else f"model-{k}-of-{n}"


def procfile(n: int, model_port: int = 8000) -> str:
    """A Procfile for ``make up`` with ``n`` model shards beside ingestion and features.

    Examples
    --------
    >>> print(procfile(2))
    model-0: env PORT=8000 STATE_DIR=.state/model-0-of-2 .venv/bin/python -m services.model
    model-1: env PORT=8010 STATE_DIR=.state/model-1-of-2 .venv/bin/python -m services.model
    features: env PORT=${FEATURES_PORT:-8001} .venv/bin/python -m services.features
    ingestion: env PORT=${INGESTION_PORT:-8002} .venv/bin/python -m services.ingestion
    """
    models = [
        f"model-{k}: env PORT={model_port + PORT_STEP * k} STATE_DIR=.state/{state_name(k, n)} "
        ".venv/bin/python -m services.model"
        for k in range(n)
    ]
    return "\n".join(
        [
            *models,
            "features: env PORT=${FEATURES_PORT:-8001} .venv/bin/python -m services.features",
            "ingestion: env PORT=${INGESTION_PORT:-8002} .venv/bin/python -m services.ingestion",
        ]
    )


def main() -> int:
    """Print the Procfile for ``MODEL_SHARDS`` shards and, on stderr, how to route to them."""
    import sys

    try:
        n = shard_count()
        port = int(os.environ.get("MODEL_PORT", "8000"))
    except ValueError as exc:
        print(f"make up: {exc}", file=sys.stderr)
        return 2
    print(procfile(n, port))
    urls = ",".join(f"http://127.0.0.1:{port + PORT_STEP * k}" for k in range(n))
    print(f"model shards: MODEL_SHARD_URLS={urls}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
