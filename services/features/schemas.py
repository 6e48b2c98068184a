"""Request and response bodies."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.serving import FiniteFloat, ObservationId, SeriesId

MAX_BATCH = 10_000
MAX_SEASON = 366  # as on the model service

Season = Annotated[
    int,
    Field(
        strict=True,
        ge=1,
        le=MAX_SEASON,
        description="the series' season length (12 for monthly data, 1 for none), kept from the "
        "first request that gives one; another season later is a 409",
    ),
]
SeasonOut = Annotated[int | None, Field(description="the series' season; null: none given")]


class AddIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not ignored

    series_id: SeriesId = "default"
    value: FiniteFloat
    observation_id: ObservationId | None = None
    season: Season | None = None


class AddOut(BaseModel):
    series_id: str
    features: dict[str, float]
    target: float
    available_lags: int
    observation_id: int | None
    duplicate: bool
    season: SeasonOut


class AddBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[AddIn] = Field(min_length=1, max_length=MAX_BATCH)


class AddBatchOut(BaseModel):
    results: list[AddOut]


class SeriesOut(BaseModel):
    series_id: str
    window: list[float] = Field(description="Stored values, most recent first.")
    available_lags: int
    season: SeasonOut
    next_features: dict[str, float] = Field(description="What the next value's features are.")
    feast: "FeastOut | None" = Field(None, description="With ?feast=true: Feast's online row.")


class FeastOut(BaseModel):
    present: bool = Field(description="Feast's online store has a row for the series.")
    latest: bool | None = Field(
        description="That row is the latest window this service computed (timestamp and "
        "values); null when this process computed none for the series since it started."
    )
    event_timestamp: str | None = None
    features: dict[str, float] | None = None


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
