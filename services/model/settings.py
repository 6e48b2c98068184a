"""The model service's configuration, read from the environment."""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from libs.serving import StateSettings
from services.model.models import CATALOG

BEST = "best"


def _check_name(name: str) -> str:
    if name not in CATALOG:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(CATALOG)}")
    return name


class ModelSettings(StateSettings):
    """``MODEL_NAME`` or ``MODEL_NAMES`` (comma-separated, wins), ``CHAMPION``, state and metrics.

    Examples
    --------
    >>> ModelSettings(model_names="naive, holt_winters").models
    ('naive', 'holt_winters')
    >>> ModelSettings(model_name="ridge_regression", champion="ridge_regression").champion
    'ridge_regression'
    """

    port: int = 8000
    model_name: str = "linear_regression"
    model_names: str | None = None
    champion: str = Field(BEST, description="a served model's name, or 'best': lowest rolling MAE")
    season: int | Literal["auto"] = Field(
        12,
        description="season length of series whose first request names none; 'auto': detect "
        "it from each series' first 24 values",
    )
    metrics_warmup: int = Field(12, ge=0, description="observations per series not scored")
    leaderboard_window: int = Field(20, description="rolling window that ranks models")
    drift_detector: Literal["adwin", "page_hinkley", "none"] = Field(
        "adwin", description="River drift detector on every model's absolute errors, or none"
    )
    state_dir: Path = Path(".state/model")
    idempotency_window: int = Field(100_000, ge=1, description="answers remembered per series")
    max_series: int = Field(1000, ge=1, description="series kept; a request for one more is 422")
    metrics_series: int = Field(
        20, ge=0, description="series exported with a series label in /metrics (the first ones)"
    )
    learner_queue_items: int = Field(
        50_000, ge=1, description="items of learning queued before requests get 503"
    )
    max_batch_cost: int = Field(
        250_000, ge=1, description="a batch's items times its models' costs (413 beyond)"
    )
    max_forecast_cost: int = Field(
        2_000_000, ge=1, description="steps times features times models' costs (413 beyond)"
    )
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = "model"
    s3_check_timeout_seconds: float = Field(
        1.0, gt=0, le=60, description="/readyz: how long the bucket may take to answer"
    )
    s3_check_cache_seconds: float = Field(
        5.0, ge=0, le=3600, description="/readyz: how long the bucket's last answer is reused"
    )

    @field_validator("model_name")
    @classmethod
    def _known_model(cls, value: str) -> str:
        return _check_name(value.strip())

    @field_validator("model_names")
    @classmethod
    def _known_models(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        names = [n.strip() for n in value.split(",") if n.strip()]
        for name in names:
            _check_name(name)
        if len(set(names)) != len(names):
            raise ValueError("a model is listed twice")
        return ",".join(names)

    @field_validator("season")
    @classmethod
    def _season_range(cls, value: int | str) -> int | str:
        if value != "auto" and not 1 <= value <= 366:
            raise ValueError("must be 'auto' or an integer from 1 to 366")
        return value

    @property
    def series_season(self) -> int | None:
        """The season of series that name none; ``None``: detect it."""
        return None if self.season == "auto" else self.season

    @field_validator("leaderboard_window")
    @classmethod
    def _reported_window(cls, value: int) -> int:
        if value not in (5, 10, 20):
            raise ValueError("must be one of the rolling windows 5, 10, 20")
        return value

    @model_validator(mode="after")
    def _champion_served(self) -> "ModelSettings":
        if self.champion != BEST and self.champion not in self.models:
            raise ValueError(
                f"CHAMPION {self.champion!r} is not served; use 'best' or one of "
                f"{', '.join(self.models)}"
            )
        if bool(self.s3_endpoint_url) != bool(self.s3_bucket):
            raise ValueError("S3_ENDPOINT_URL and S3_BUCKET go together")
        return self

    @property
    def detector(self) -> str | None:
        """The drift detector's name, ``None`` for ``DRIFT_DETECTOR=none``."""
        return None if self.drift_detector == "none" else self.drift_detector

    @property
    def models(self) -> tuple[str, ...]:
        """The served models, in order."""
        if self.model_names:
            return tuple(self.model_names.split(","))
        return (self.model_name,)
