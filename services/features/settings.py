"""Feature service settings, from the environment."""

from pathlib import Path

from pydantic import Field, field_validator

from libs.serving import StateSettings


class FeaturesSettings(StateSettings):
    """``PORT`` 8001, ``N_LAGS`` 12; ``REDIS_URL`` shares windows between replicas.

    Examples
    --------
    >>> s = FeaturesSettings(redis_url="", seasonal_lag="")
    >>> s.port, s.n_lags, s.redis_url, s.state_dir, s.seasonal_lag
    (8001, 12, None, PosixPath('.state/features'), None)
    """

    port: int = 8001
    n_lags: int = Field(12, ge=1, le=1000)
    diff_feature: bool = False
    seasonal_lag: int | None = Field(None, ge=1, le=1000)
    rolling_window: int | None = Field(None, ge=1, le=1000)
    dedup_window: int = Field(10_000, ge=1)
    redis_url: str | None = None
    redis_prefix: str = "lags"
    state_dir: Path = Path(".state/features")
    max_series: int = Field(1000, ge=1, description="series kept; a value for one more is 422")
    # Feast (services/features/feast_push.py): unset FEAST_URL pushes nothing.
    feast_url: str | None = Field(None, pattern=r"^https?://[^\s/]+")
    feast_push_source: str = "lag_features_push"
    feast_max_queue: int = Field(100_000, ge=1)
    feast_batch: int = Field(5000, ge=1)
    feast_flush_seconds: float = Field(0.5, ge=0, le=60)
    feast_timeout_seconds: float = Field(10.0, gt=0, le=600)
    feast_backoff_seconds: float = Field(0.1, gt=0, le=60)
    feast_backoff_max_seconds: float = Field(10.0, gt=0, le=600)
    feast_drain_seconds: float = Field(10.0, ge=0, le=600)

    @field_validator("redis_url", "feast_url", "seasonal_lag", "rolling_window", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if value == "" else value
