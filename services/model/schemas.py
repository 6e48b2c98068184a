"""Request and response bodies of the model service."""

from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, with_config
from typing_extensions import TypedDict

from libs.lag_features.contract import check_advanceable
from libs.serving import FiniteFloat, ObservationId, SeriesId, StrictInt

MAX_FEATURES = 1000
MAX_BATCH = 10_000

FeatureName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Features = Annotated[
    dict[FeatureName, FiniteFloat],
    Field(max_length=MAX_FEATURES, description="lag features such as in_1..in_12 (any names)"),
]


MAX_SEASON = 366
Season = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_SEASON,
        description="the series' season length (12 for monthly data, 1 for none), on its first "
        "request; otherwise the service's SEASON, or detected from the first 24 values",
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PredictRequest(_Body):
    features: Features
    series_id: SeriesId = "default"


class LearnRequest(_Body):
    features: Features
    target: FiniteFloat
    series_id: SeriesId = "default"
    observation_id: ObservationId | None = None
    season: Season | None = None


class PredictManyRequest(PredictRequest):
    steps: Annotated[StrictInt, Field(ge=1, le=1000)]

    @field_validator("features")
    @classmethod
    def _advanceable(cls, features: dict) -> dict:
        """Each step's features come from the previous step's (``libs.lag_features.advance``):
        a feature they do not determine would be forecast wrong, so it is refused up front."""
        check_advanceable(features)
        return features


@with_config(ConfigDict(extra="forbid"))
class LearnItem(TypedDict):
    """One ``/predict_learn`` body inside a batch. Validated into a plain dict, which is the
    journal record as is: a model instance per item, rebuilt into a dict, cost 3 us of a
    batch item's 20."""

    features: Features
    target: FiniteFloat
    series_id: NotRequired[SeriesId]
    observation_id: NotRequired[ObservationId | None]
    season: NotRequired[Season | None]


class BatchRequest(_Body):
    items: list[LearnItem] = Field(min_length=1, max_length=MAX_BATCH)


class FeedbackRequest(_Body):
    message: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class PredictResponse(BaseModel):
    prediction: float = Field(description="the champion's prediction")
    model: str = Field(
        description="the champion: a served model, or baseline_naive (the last value) until "
        "models are scored"
    )
    predictions: dict[str, float] = Field(description="every served model's prediction")
    cold: bool = Field(description="the champion could not predict yet; prediction is a fallback")
    failed: list[str] = Field(
        description="models that raised on this request (they answered the fallback; the "
        "others learned as usual); empty normally"
    )
    rejected: list[str] = Field(
        description="models whose forecast was implausible (far outside the series' recent "
        "range): replaced by the last value for this step and counted on the leaderboard"
    )
    series_id: str


class PredictLearnResponse(PredictResponse):
    observation_id: int | None
    duplicate: bool = Field(description="already applied: the first answer, nothing learned")


def predicted(
    series_id: str,
    champion: str,
    predictions: dict,
    cold: bool,
    failed=(),
    served=None,
    rejected=(),
) -> dict:
    """A :class:`PredictResponse` as a dict (``/predict``; ``/predict_learn`` adds
    ``observation_id`` and ``duplicate``); ``served`` when the champion is the baseline rather
    than a model.

    Examples
    --------
    >>> answer = predicted("s", "ridge", {"ridge": 2.5}, cold=False)
    >>> PredictLearnResponse.model_validate(
    ...     {**answer, "observation_id": 7, "duplicate": False}).prediction
    2.5
    """
    return {
        "prediction": predictions[champion] if served is None else served,
        "model": champion,
        "predictions": predictions,
        "cold": cold,
        "failed": list(failed),
        "rejected": list(rejected),
        "series_id": series_id,
    }


class ForecastStep(BaseModel):
    step: int
    value: float


class SeedPredictResponse(PredictResponse):
    forecast: list[ForecastStep] = Field(
        description="the seed's shape: the prediction as a one-step forecast"
    )


class TrainResponse(BaseModel):
    message: str = Field(description="the seed's field: says whether the model learned")
    learned: bool
    count: int = Field(description="observations learned on this series")
    series_id: str
    observation_id: int | None
    duplicate: bool
    failed: list[str] = Field(description="models that raised while learning; empty normally")


def trained(count: int, series_id: str, oid: int | None, failed: list) -> dict:
    """A :class:`TrainResponse` as a dict, but for the seed's ``message``, which the route adds.

    Examples
    --------
    >>> answer = trained(3, "s", 9, [])
    >>> TrainResponse.model_validate({**answer, "message": "model trained successfully"}).count
    3
    """
    return {
        "learned": True,
        "count": count,
        "series_id": series_id,
        "observation_id": oid,
        "duplicate": False,
        "failed": failed,
    }


class PredictManyResponse(BaseModel):
    predictions: list[float] = Field(description="the champion's forecasts, step 1 first")
    model: str
    by_model: dict[str, list[float]]
    cold: bool
    failed: list[str]
    rejected: list[str]
    series_id: str


def forecasted(
    series_id: str,
    champion: str,
    by_model: dict,
    cold: bool,
    failed: list,
    served=None,
    rejected=(),
) -> dict:
    """A :class:`PredictManyResponse` as a dict; ``served`` when the champion is the baseline.

    Examples
    --------
    >>> answer = forecasted("s", "baseline_naive", {"ridge": [1.0, 2.0]}, True, [], [5.0, 5.0])
    >>> PredictManyResponse.model_validate(answer).predictions
    [5.0, 5.0]
    """
    return {
        "predictions": by_model[champion] if served is None else served,
        "model": champion,
        "by_model": by_model,
        "cold": cold,
        "failed": failed,
        "rejected": list(rejected),
        "series_id": series_id,
    }


class BatchResponse(BaseModel):
    results: list[PredictLearnResponse]


class FeedbackResponse(BaseModel):
    id: int
    count: int


class FeedbackItem(BaseModel):
    id: int
    message: str
    at: str = Field(description="when it was received, UTC (ISO 8601)")


class FeedbackList(BaseModel):
    count: int
    items: list[FeedbackItem]


class Health(BaseModel):
    status: str
    models: list[str]


class Info(BaseModel):
    service: str
    available_models: list[str]
    models: list[str]
    model_descriptions: dict[str, str]
    champion: str
    season: int | None = Field(description="season of series that name none; null: detected")
    metrics_warmup: int
    leaderboard_window: int
    drift_detector: str
    series: list[str]
    snapshot_store: str


class Drift(BaseModel):
    detector: str
    detected: int = Field(description="drifts detected so far")
    last_detected_at: int | None = Field(description="the observation of the latest one")
    window: int | None
    recent: bool = Field(description="one was detected within the last `window` observations")


class LeaderboardRow(BaseModel):
    model: str
    baseline: bool
    n: int
    mae: float | None
    rmse: float | None
    window_mae: float | None
    rank: int
    rejected: int = Field(description="forecasts the plausibility guard replaced by the last value")
    drift: Drift | None = None


class Leaderboard(BaseModel):
    series_id: str
    window: str
    rows: list[LeaderboardRow]


class Summary(BaseModel):
    n: int
    mae: float | None
    mse: float | None
    rmse: float | None
    mape: float | None


class ScoreReport(Summary):
    predictions: int
    last_prediction: float | None
    last_actual: float | None
    last_error: float | None
    rolling: dict[str, Summary] = Field(description="by window size: 5, 10, 20")
    drift: Drift | None = None


class SeriesMetrics(BaseModel):
    count: int = Field(description="observations learned")
    champion: str = Field(description="the served model, or baseline_naive until models are scored")
    season: int | None = Field(description="the series' season length; null while detecting")
    source: Literal["request", "setting", "detected", "detecting"] = Field(
        description="where the season comes from: the series' first request, the service's "
        "SEASON, detection from its first 24 values, or detection still under way"
    )
    seen: int
    warmup: int
    models: dict[str, ScoreReport] = Field(
        description="by model, and `champion`: what the series was served, whichever model"
    )
    baselines: dict[str, ScoreReport]
    leaderboard: list[LeaderboardRow]


class MetricsReport(BaseModel):
    series_total: int = Field(description="series kept; `series` holds one page of them")
    offset: int = Field(description="the page's first series, in the order they appeared")
    next_offset: int | None = Field(description="the next page's offset; null on the last")
    count: int = Field(description="observations learned, every series")
    models: list[str]
    mae: float | None = Field(description="what the default series was served, cumulative")
    mse: float | None
    rmse: float | None
    series: dict[str, SeriesMetrics]
