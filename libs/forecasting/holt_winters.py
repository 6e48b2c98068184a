"""River's Holt-Winters as a dict-in, float-out regressor that is never cold-failing."""

import math

from libs.forecasting._util import _LOG_FLOOR, _finite_or, _safe_log


class HoltWintersForecaster:
    """``river.time_series.HoltWinters`` wrapped as a dict-in / float-out regressor.

    ``learn_one`` feeds y to ``HoltWinters.learn_one`` and ``predict_one`` returns
    ``forecast(horizon=1)[0]``.

    Parameters
    ----------
    alpha, beta, gamma, seasonality, multiplicative
        Passed to ``river.time_series.HoltWinters``.  ``beta`` must be > 0 when a
        seasonality is used (River turns ``beta=0`` into "no trend" and then crashes
        in the seasonal update).
    log_target
        Model log(y) with an additive Holt-Winters and return exp(forecast).
        River 0.26.1 initialises *additive* seasonal factors as ratios y_i/level
        (a bug); with ``log_target=True`` they are converted to additive
        deviations right after initialisation (MAE 15.5 -> 8.48 on AirlinePassengers).

    Cold start: River's HoltWinters initialises itself from the first
    ``max(2, seasonality)`` values and ``forecast`` raises IndexError before that.
    While cold the wrapper returns the last seen value (``x["in_1"]``/0.0 if none).
    Multiplicative mode needs positive targets: y is floored at 1e-9, and if River
    still raises an ArithmeticError the wrapped model is reset (cold again).
    """

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float = 0.05,
        gamma: float = 0.6,
        seasonality: int = 12,
        multiplicative: bool = True,
        log_target: bool = False,
    ):
        if log_target and multiplicative:
            raise ValueError("log_target=True implies an additive model on log(y)")
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.seasonality = seasonality
        self.multiplicative = multiplicative
        self.log_target = log_target
        from river import time_series  # imports SciPy: only when the model is built

        self._hw = time_series.HoltWinters(
            alpha=alpha,
            beta=beta,
            gamma=gamma,
            seasonality=seasonality,
            multiplicative=multiplicative,
        )
        self._n = 0
        self._last: float | None = None

    def _reset(self) -> None:
        """Start River's model afresh (it becomes cold again)."""
        self._hw = self._hw.clone()
        self._n = 0

    @property
    def cold(self) -> bool:
        return self._n < max(2, self.seasonality)

    def learn_one(self, x: dict | None, y: float) -> None:
        y = float(y)
        was_cold = self.cold
        if self.log_target:
            target = _safe_log(y)
        elif self.multiplicative:
            target = max(y, _LOG_FLOOR)  # River divides by y-derived seasonal factors
        else:
            target = y
        self._last = y
        try:
            self._hw.learn_one(target)
        except ArithmeticError:  # e.g. ZeroDivisionError in River's multiplicative updates
            self._reset()
            return
        self._n += 1
        if was_cold and not self.cold and self.log_target and self._hw.season is not None:
            # River initialises additive seasonal terms as y_i / level; make them y_i - level.
            level = self._hw.level[-1]
            season = self._hw.season
            for i in range(len(season)):
                season[i] = season[i] * level - level

    def predict_one(self, x: dict | None = None) -> float:
        if self._last is not None:
            fallback = self._last
        else:
            fallback = float((x or {}).get("in_1", 0.0) or 0.0)
        if self.cold:
            return fallback
        f = self._hw.forecast(horizon=1)[0]
        if self.log_target:
            try:
                f = math.exp(f)
            except OverflowError:
                return fallback
        return _finite_or(f, fallback)
