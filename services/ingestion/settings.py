"""Ingestion settings, from the environment."""

from pathlib import Path

from pydantic import Field, field_validator

from libs.serving import StateSettings


class IngestionSettings(StateSettings):
    """``PORT`` 8002; ``REDIS_URL`` shares streams between replicas, else ``STATE_DIR`` keeps them;
    ``LEASE_SECONDS`` (fractions allowed) is how long a taken observation stays leased.

    Examples
    --------
    >>> s = IngestionSettings(redis_url="", dataset_path="")
    >>> s.port, s.redis_url, s.dataset_path, s.state_dir, s.lease_seconds
    (8002, None, None, PosixPath('.state/ingestion'), 30.0)
    """

    port: int = 8002
    redis_url: str | None = None
    dataset_path: Path | None = None
    state_dir: Path = Path(".state/ingestion")
    redis_prefix: str = "ingestion"
    lease_seconds: float = Field(30.0, ge=0.01, le=86_400, allow_inf_nan=False)

    @field_validator("redis_url", "dataset_path", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if value == "" else value
