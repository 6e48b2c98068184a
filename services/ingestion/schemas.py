"""Request and response bodies."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from libs.serving import FiniteFloat, SeriesId, StrictInt

ObservationIds = Annotated[
    list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=10_000)
]
AckIds = Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(max_length=10_000)]
MAX_BATCH = 1000
MAX_APPEND = 10_000


class ObservationOut(BaseModel):
    observation_id: int
    input: str
    target: int | float
    series_id: str | None = None


class NextOut(ObservationOut):
    remaining: int


class NextQuery(BaseModel):
    """``GET /next``'s query: ``ack`` repeated (``ack=1&ack=2``) for several ids."""

    stream: SeriesId = "default"
    consumer: SeriesId = "default"
    ack: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=10_000)] = []


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not ignored

    n: Annotated[StrictInt, Field(ge=1, le=MAX_BATCH)]
    stream: SeriesId = "default"
    consumer: SeriesId = "default"
    ack: AckIds = []


class BatchOut(BaseModel):
    observations: list[ObservationOut]
    remaining: int


class LiveObservation(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not ignored

    input: Annotated[str, StringConstraints(max_length=256)]
    target: FiniteFloat
    series_id: SeriesId | None = None


class AppendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not ignored

    observations: list[LiveObservation] = Field(min_length=1, max_length=MAX_APPEND)


class AppendOut(BaseModel):
    stream: str
    observation_ids: list[int]
    total: int


class AckIn(BaseModel):
    observation_ids: ObservationIds
    stream: SeriesId = "default"


class AckOut(BaseModel):
    stream: str
    acked: int


class ReleaseIn(BaseModel):
    consumer: SeriesId
    stream: SeriesId = "default"


class ReleaseOut(BaseModel):
    stream: str
    consumer: str
    released: int


class StatusOut(BaseModel):
    stream: str
    backend: str
    total: int
    served: int
    acked: int
    leased: int
    expired: int
    remaining: int
    exhausted: bool
    lease_seconds: float
    consumers: dict[str, int]
    current_index: int
    total_observations: int
    completed: bool


class ResetOut(BaseModel):
    status: str = "reset"
    stream: str
    remaining: int
    message: str
    total_observations: int


class DatasetInfo(BaseModel):
    path: str
    rows: int
    series: list[str]
    fingerprint: str


class InfoOut(BaseModel):
    service: str = "ingestion"
    backend: str
    dataset: DatasetInfo
    live_streams: list[str]
    max_batch: int = MAX_BATCH
    max_append: int = MAX_APPEND
    lease_seconds: float


class HealthOut(BaseModel):
    status: str
    backend: str
