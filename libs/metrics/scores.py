"""Prequential error scores: cumulative and rolling-window MAE, MSE, RMSE and MAPE at once."""

import math
from collections import deque
from collections.abc import Sequence
from itertools import islice

WINDOWS = (5, 10, 20)
"""The rolling windows the platform reports, in observations."""


class RegressionScore:
    """Errors of one model on one series, predict-then-learn, over several horizons at once.

    One update feeds the cumulative scores and every rolling window: the last ``max(windows)``
    errors are kept in a ring and a window is summed from it when read. River's
    ``utils.Rolling(metrics.MAE(), n)`` gives the same numbers (the tests check that) but needs a
    metric object per metric and window, which is a dozen updates per prediction on the hot path.

    ``update(..., scored=False)`` records the prediction (``predictions``, ``last_*``) without
    scoring it, for the warm-up observations of a series. MAPE is in percent and skips actuals of
    exactly zero; it is ``None`` until one non-zero actual is scored.

    Parameters
    ----------
    windows
        Rolling window sizes, in observations.

    Examples
    --------
    >>> score = RegressionScore(windows=(2,))
    >>> for y_true, y_pred in [(10.0, 12.0), (20.0, 19.0), (30.0, 33.0)]:
    ...     score.update(y_true, y_pred)
    >>> score.mae(), score.mae(2), score.rmse(2)
    (2.0, 2.0, 2.23606797749979)
    >>> score.report()["rolling"]["2"]["mse"]
    5.0
    >>> score.last_error
    -3.0
    """

    def __init__(self, windows: Sequence[int] = WINDOWS):
        self.windows = tuple(windows)
        self.n = 0
        self.predictions = 0
        self.sum_abs = 0.0
        self.sum_sq = 0.0
        self.sum_ape = 0.0
        self.n_ape = 0
        self.recent: deque[tuple[float, float, float | None]] = deque(maxlen=max(self.windows))
        self.last_prediction: float | None = None
        self.last_actual: float | None = None

    def update(self, y_true: float, y_pred: float, scored: bool = True) -> None:
        self.predictions += 1
        self.last_prediction = y_pred
        self.last_actual = y_true
        if not scored:
            return
        err = abs(y_true - y_pred)
        sq = err * err
        self.n += 1
        self.sum_abs += err
        self.sum_sq += sq
        if y_true != 0:
            ape = 100.0 * err / abs(y_true)
            self.sum_ape += ape
            self.n_ape += 1
            self.recent.append((err, sq, ape))
        else:
            self.recent.append((err, sq, None))

    @property
    def last_error(self) -> float | None:
        """Actual minus prediction of the latest observation."""
        if self.last_actual is None:
            return None
        return self.last_actual - self.last_prediction

    def _recent(self, window: int) -> list[tuple[float, float, float | None]]:
        return list(islice(reversed(self.recent), window))

    def mae(self, window: int | None = None) -> float | None:
        """Mean absolute error, cumulative (``window=None``) or over the last ``window``."""
        if window is None:
            return self.sum_abs / self.n if self.n else None
        errors = self._recent(window)
        return sum(e[0] for e in errors) / len(errors) if errors else None

    def mse(self, window: int | None = None) -> float | None:
        if window is None:
            return self.sum_sq / self.n if self.n else None
        errors = self._recent(window)
        return sum(e[1] for e in errors) / len(errors) if errors else None

    def rmse(self, window: int | None = None) -> float | None:
        mse = self.mse(window)
        return None if mse is None else math.sqrt(mse)

    def mape(self, window: int | None = None) -> float | None:
        if window is None:
            return self.sum_ape / self.n_ape if self.n_ape else None
        apes = [e[2] for e in self._recent(window) if e[2] is not None]
        return sum(apes) / len(apes) if apes else None

    def summary(self, window: int | None = None) -> dict:
        """``n``, ``mae``, ``mse``, ``rmse`` and ``mape`` over one horizon."""
        n = self.n if window is None else min(window, len(self.recent))
        mse = self.mse(window)
        return {
            "n": n,
            "mae": self.mae(window),
            "mse": mse,
            "rmse": None if mse is None else math.sqrt(mse),
            "mape": self.mape(window),
        }

    def report(self) -> dict:
        """Cumulative scores, last values and every rolling window, as plain JSON types."""
        return {
            **self.summary(),
            "predictions": self.predictions,
            "last_prediction": self.last_prediction,
            "last_actual": self.last_actual,
            "last_error": self.last_error,
            "rolling": {str(w): self.summary(w) for w in self.windows},
        }
