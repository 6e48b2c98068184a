"""Lag features from a window of previous values, River-style."""

from collections.abc import Sequence

from river import base

from libs.lag_features.contract import DIFF, SEASONAL, lag_names, rolling_name
from libs.lag_features.store import Applied, LagStore, MemoryLagStore


class LagFeatures(base.SupervisedTransformer):
    """Per-series lag features ``in_1..in_N``, with optional extras; a River transformer.

    Parameters
    ----------
    n_lags
        Number of lags ``in_1..in_{n_lags}``; ``in_1`` is the most recent previous value.
    diff
        Add ``diff_1 = in_1 - in_2``, the latest known change (0.0 until two values exist).
    seasonal_lag
        Add ``seasonal_lag``, the value ``seasonal_lag`` steps back (12 for monthly data), even
        when that is beyond ``n_lags``.
    rolling_window
        Add ``rolling_mean_{k}``, the mean of the last ``k`` previous values (of those available).
    store
        Where windows live (kept as :attr:`windows`); a :class:`MemoryLagStore` big enough for
        the options by default.

    Examples
    --------
    The seed's behaviour: the value sent is stored after its lags are read.

    >>> lags = LagFeatures(n_lags=3)
    >>> for y in [112.0, 118.0, 132.0]:
    ...     answer = lags.add(y)
    >>> answer["features"], answer["available_lags"]
    ({'in_1': 118.0, 'in_2': 112.0, 'in_3': 0.0}, 2)

    River-style, ``transform_one`` shows what the next value would get and ``learn_one`` stores:

    >>> lags.transform_one({"series_id": "default"})
    {'in_1': 132.0, 'in_2': 118.0, 'in_3': 112.0}
    >>> lags.learn_one({}, 129.0)
    >>> lags.transform_one({})
    {'in_1': 129.0, 'in_2': 132.0, 'in_3': 118.0}

    A retry with the same ``observation_id`` answers as the first time and stores nothing;
    another value under that id is refused:

    >>> lags.add(5.0, series_id="b", observation_id=1)["duplicate"]
    False
    >>> again = lags.add(5.0, series_id="b", observation_id=1)
    >>> again["target"], again["duplicate"], lags.transform_one({"series_id": "b"})["in_1"]
    (5.0, True, 5.0)
    >>> lags.add(6.0, series_id="b", observation_id=1)
    Traceback (most recent call last):
    ...
    libs.lag_features.store.ObservationConflict: observation_id 1 of series 'b' was already ...

    Extras ride along behind options:

    >>> extra = LagFeatures(n_lags=2, diff=True, seasonal_lag=4, rolling_window=3)
    >>> for y in [1.0, 2.0, 4.0, 8.0]:
    ...     features = extra.add(y)["features"]
    >>> features
    {'in_1': 4.0, 'in_2': 2.0, 'diff_1': 2.0, 'seasonal_lag': 0.0, 'rolling_mean_3': 2.333...}
    """

    def __init__(
        self,
        n_lags: int = 12,
        diff: bool = False,
        seasonal_lag: int | None = None,
        rolling_window: int | None = None,
        store: LagStore | None = None,
    ):
        if n_lags < 1:
            raise ValueError("n_lags must be at least 1")
        if seasonal_lag is not None and seasonal_lag < 1:
            raise ValueError("seasonal_lag must be at least 1")
        if rolling_window is not None and rolling_window < 1:
            raise ValueError("rolling_window must be at least 1")
        self.n_lags = n_lags
        self.diff = diff
        self.seasonal_lag = seasonal_lag
        self.rolling_window = rolling_window
        self.store = store
        self.windows = store if store is not None else MemoryLagStore(self.capacity)
        if self.windows.capacity < self.capacity:
            raise ValueError(f"store keeps {self.windows.capacity} values, {self.capacity} needed")
        self._names = lag_names(n_lags)

    @property
    def capacity(self) -> int:
        """How many previous values the features need per series."""
        return max(self.n_lags, self.seasonal_lag or 0, self.rolling_window or 0, 2 * self.diff)

    def features(self, previous: Sequence[float]) -> dict[str, float]:
        """Features of the next value, given the previous ones (most recent first)."""
        out = dict(zip(self._names, previous, strict=False))
        for name in self._names[len(out) :]:
            out[name] = 0.0
        if self.diff:
            out[DIFF] = previous[0] - previous[1] if len(previous) >= 2 else 0.0
        if self.seasonal_lag is not None:
            m = self.seasonal_lag
            out[SEASONAL] = previous[m - 1] if len(previous) >= m else 0.0
        if self.rolling_window is not None:
            recent = previous[: self.rolling_window]
            mean = sum(recent) / len(recent) if recent else 0.0
            out[rolling_name(self.rolling_window)] = mean
        return out

    def answer(self, applied: Applied) -> dict:
        """The feature service's answer for one applied value."""
        return {
            "series_id": applied.series_id,
            "features": self.features(applied.previous),
            "target": applied.value,
            "available_lags": min(len(applied.previous), self.n_lags),
            "observation_id": applied.observation_id,
            "duplicate": applied.duplicate,
            "season": applied.season,
        }

    def add(
        self, value: float, series_id: str = "default", observation_id: int | None = None
    ) -> dict:
        """Read the lags of ``series_id``, then store ``value``; one step in the store."""
        return self.answer(self.windows.apply(series_id, value, observation_id))

    def transform_one(self, x: dict) -> dict[str, float]:
        """Features the next value of ``x["series_id"]`` would get; stores nothing."""
        return self.features(self.windows.window(x.get("series_id", "default")) or ())

    def learn_one(self, x: dict, y: float) -> None:
        """Store ``y`` as the newest value of ``x["series_id"]`` (``"default"`` if absent)."""
        self.windows.apply(x.get("series_id", "default"), y)
