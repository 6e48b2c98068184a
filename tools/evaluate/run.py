"""Every catalog model, and the champion the service serves, prequentially on one series."""

import math
from dataclasses import dataclass, field

from libs.lag_features import LagFeatures
from services.model.champion import SERVED
from services.model.learner import Learner
from services.model.models import CATALOG

WARMUP = 12
"""Observations not scored, as the service's default ``METRICS_WARMUP``: 13 onwards count."""


@dataclass
class Run:
    """One series' one-step forecasts (scored part) by model, and the served champion's."""

    actuals: list[float]
    forecasts: dict[str, list[float]] = field(default_factory=dict)
    worst_jump: float = 0.0
    """The served forecast furthest from the last value, in multiples of the observed range."""
    rejected: int = 0
    season: int | None = None


def run_service_models(values: list[float], season: int | None) -> Run:
    """Stream ``values`` through the service's learner (every catalog model, ``CHAMPION=best``),
    features from ``LagFeatures`` as the feature service computes them."""
    names = tuple(CATALOG)
    learner = Learner(names, season=None, warmup=WARMUP, detector=None)
    lags = LagFeatures(n_lags=12)
    run = Run(actuals=values[WARMUP:])
    for t, y in enumerate(values):
        features = lags.add(y)["features"]
        record = {"op": "learn", "features": features, "target": y, "season": season}
        answer = learner.apply(record)
        if t > 0:
            run.worst_jump = max(run.worst_jump, _jump(answer["prediction"], values[:t]))
        if t >= WARMUP:
            run.forecasts.setdefault(SERVED, []).append(answer["prediction"])
            for name in names:
                run.forecasts.setdefault(name, []).append(answer["predictions"][name])
    state = learner.series["default"]
    run.rejected = sum(state.guard.rejected.values())
    run.season = state.season.value
    return run


def _jump(prediction: float, seen: list[float]) -> float:
    spread = max(seen) - min(seen)
    distance = abs(prediction - seen[-1])
    if spread == 0.0:
        return 0.0 if distance == 0.0 else math.inf
    return distance / spread


def mae(actuals: list[float], forecasts: list[float]) -> float:
    return sum(abs(a - f) for a, f in zip(actuals, forecasts, strict=True)) / len(actuals)
