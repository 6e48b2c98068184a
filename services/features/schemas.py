"""Request and response bodies."""

from pydantic import BaseModel, Field

from libs.serving import FiniteFloat, ObservationId, SeriesId

MAX_BATCH = 10_000


class AddIn(BaseModel):
    series_id: SeriesId = "default"
    value: FiniteFloat
    observation_id: ObservationId | None = None


class AddOut(BaseModel):
    series_id: str
    features: dict[str, float]
    target: float
    available_lags: int
    observation_id: int | None
    duplicate: bool


class AddBatchIn(BaseModel):
    items: list[AddIn] = Field(min_length=1, max_length=MAX_BATCH)


class AddBatchOut(BaseModel):
    results: list[AddOut]


class SeriesOut(BaseModel):
    series_id: str
    window: list[float] = Field(description="Stored values, most recent first.")
    available_lags: int
    next_features: dict[str, float] = Field(description="What the next value's features are.")


class InfoOut(BaseModel):
    service: str = "features"
    n_lags: int
    feature_names: list[str]
    backend: str
    series_count: int
    dedup_window: int
    max_batch: int = MAX_BATCH


class ResetOut(BaseModel):
    status: str = "reset"
    series_id: str | None


class HealthOut(BaseModel):
    status: str
    backend: str
