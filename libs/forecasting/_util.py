"""Small numeric helpers the forecasters share."""

import math

_LOG_FLOOR = 1e-9  # log() needs positive targets; anything below is clamped


def _safe_log(y: float) -> float:
    return math.log(max(float(y), _LOG_FLOOR))


def _finite_or(value, fallback: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return float(fallback)
    return value if math.isfinite(value) else float(fallback)


def _cold_fallback(history: list[float], x: dict | None, period: int) -> float:
    """Best guess while a model is cold: seasonal naive, else last value, else 0."""
    if len(history) >= period:
        return history[-period]
    if history:
        return history[-1]
    if x:
        return float(x.get("in_1", 0.0) or 0.0)
    return 0.0
