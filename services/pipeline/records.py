"""What a run takes, prepares and returns."""

from dataclasses import dataclass, field


@dataclass
class Record:
    """What the pipeline saw and got back for one observation."""

    observation_id: int
    series_id: str
    input: str
    target: float
    available_lags: int
    prediction: float
    predictions: dict[str, float]


@dataclass
class Batch:
    """Observations taken from ingestion, their features, and the model requests they make."""

    observations: list[dict]
    features: list[dict]
    items: list[dict]
    again: list[int]
    """Ids this run had learned already, taken again: only to be acknowledged."""


@dataclass
class RunResult:
    records: list[Record] = field(default_factory=list)
    exhausted: bool = False
    seconds: float = 0.0
    retries: int = 0
