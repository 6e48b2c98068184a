"""statsforecast's AutoETS and AutoARIMA on the same prequential protocol as our models.

Refitting them at every step costs minutes per series; they are refitted every ``refit`` steps
on all values so far and, in between, their fitted parameters are applied to the values that
arrived since (``forward``), which is one-step-ahead forecasting with parameters that are at most
``refit - 1`` observations old. Until a model can be fitted (too few values), it answers the
last value.
"""

import warnings

import numpy as np


def _models(season: int) -> dict:
    from statsforecast.models import AutoARIMA, AutoETS

    return {"AutoETS": AutoETS(season_length=season), "AutoARIMA": AutoARIMA(season_length=season)}


def anchor_forecasts(values: list[float], season: int, start: int, refit: int) -> dict:
    """One-step forecasts of ``values[start:]`` by each anchor, ``{name: [forecast, ...]}``."""
    y = np.asarray(values, dtype=float)
    out = {}
    for name, model in _models(season).items():
        fitted, forecasts = None, []
        for t in range(start, len(y)):
            if (t - start) % refit == 0:
                fitted = _fit(model, y[:t])
            forecasts.append(_one_step(fitted, y[:t]))
        out[name] = forecasts
    return out


def _fit(model, y: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return model.new().fit(y)
        except Exception:  # too short or degenerate for this model: answer naive until it fits
            return None


def _one_step(fitted, y: np.ndarray) -> float:
    if fitted is None:
        return float(y[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(fitted.forward(y=y, h=1)["mean"][0])
        except Exception:
            return float(y[-1])
    return value if np.isfinite(value) else float(y[-1])
