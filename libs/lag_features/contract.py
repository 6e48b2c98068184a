"""The lag contract: the names of the features a window yields, and the one step that advances
them.

The feature service answers ``in_1..in_N`` (``in_1`` the most recent previous value, 0.0 for a
lag the series does not have yet) and, when configured, ``diff_1``, ``seasonal_lag`` and
``rolling_mean_<k>``. Whoever reads or builds those names imports them from here, and whoever
forecasts several steps ahead moves features one step forward with :func:`advance`, so a
recursive forecast sees the features the feature service would have produced.
"""

import re

DIFF = "diff_1"
"""``in_1 - in_2``: the latest known change."""

SEASONAL = "seasonal_lag"
"""The value one season back; the season length is not in the name."""

_LAG = re.compile(r"in_([1-9][0-9]*)")
_ROLLING = re.compile(r"rolling_mean_([1-9][0-9]*)")


class CannotAdvance(ValueError):
    """A feature's next value cannot be derived from the current features; ``feature`` names it."""

    def __init__(self, feature: str, reason: str):
        super().__init__(f"{feature}: {reason}")
        self.feature = feature


def lag_name(k: int) -> str:
    """The name of the ``k``-th previous value.

    Examples
    --------
    >>> lag_name(1), lag_name(12)
    ('in_1', 'in_12')
    """
    return f"in_{k}"


def lag_names(n: int) -> list[str]:
    """``in_1..in_n``, most recent first.

    Examples
    --------
    >>> lag_names(3)
    ['in_1', 'in_2', 'in_3']
    """
    return [lag_name(k) for k in range(1, n + 1)]


def lag_index(name: str) -> int | None:
    """``k`` of ``in_k``; ``None`` for any other name.

    Examples
    --------
    >>> lag_index("in_7"), lag_index("in_0"), lag_index("month")
    (7, None, None)
    """
    match = _LAG.fullmatch(name)
    return int(match.group(1)) if match else None


def rolling_name(k: int) -> str:
    """The name of the mean of the last ``k`` previous values.

    Examples
    --------
    >>> rolling_name(3)
    'rolling_mean_3'
    """
    return f"rolling_mean_{k}"


def lag_window(features: dict) -> list[float]:
    """The previous values the features hold, most recent first: ``in_1, in_2, ...`` up to the
    first missing lag.

    Examples
    --------
    >>> lag_window({"in_2": 2.0, "in_1": 3.0, "diff_1": 1.0, "in_4": 0.0})
    [3.0, 2.0]
    """
    window = []
    while (name := lag_name(len(window) + 1)) in features:
        window.append(float(features[name]))
    return window


def advance(features: dict, y: float) -> dict:
    """The features of the next step, given this step's ``features`` and its value ``y``.

    Lags shift (``in_1 <- y``, ``in_k <- in_(k-1)``), ``diff_1`` becomes ``y - in_1`` and
    ``rolling_mean_<k>`` the mean of ``y`` and ``in_1..in_(k-1)``: the features the feature
    service would answer once it has stored ``y``, exactly so once the series has ``k`` previous
    values (before that, lags the series did not have count as their 0.0 fill). Names outside
    this contract (a calendar feature, say) are kept as they are. Raises
    :class:`CannotAdvance` for a feature whose next value the features do not determine.

    Examples
    --------
    >>> x = {"in_1": 4.0, "in_2": 2.0, "in_3": 1.0, "diff_1": 2.0, "rolling_mean_2": 3.0}
    >>> advance(x, 8.0)
    {'in_1': 8.0, 'in_2': 4.0, 'in_3': 2.0, 'diff_1': 4.0, 'rolling_mean_2': 6.0}
    >>> advance({"in_1": 1.0, "month": 5.0}, 2.0)
    {'in_1': 2.0, 'month': 5.0}
    >>> try:
    ...     advance({"in_1": 1.0, "seasonal_lag": 9.0}, 2.0)
    ... except CannotAdvance as exc:
    ...     print(exc.feature)
    seasonal_lag
    """
    check_advanceable(features)
    window = [float(y), *lag_window(features)]
    out = {}
    for name, value in features.items():
        k = lag_index(name)
        if k is not None:
            out[name] = window[k - 1] if k <= len(window) else 0.0
        elif name == DIFF:
            out[name] = window[0] - window[1]
        elif (rolling := _ROLLING.fullmatch(name)) is not None:
            k = int(rolling.group(1))
            out[name] = sum(window[:k]) / k
        else:
            out[name] = value
    return out


def check_advanceable(features: dict) -> None:
    """Raise :class:`CannotAdvance` unless :func:`advance` can move every feature.

    Examples
    --------
    >>> try:
    ...     check_advanceable({"in_1": 1.0, "rolling_mean_3": 1.0})
    ... except CannotAdvance as exc:
    ...     print(exc)
    rolling_mean_3: needs in_1..in_2 to advance, got in_1..in_1
    """
    held = len(lag_window(features))
    if DIFF in features and held < 1:
        raise CannotAdvance(DIFF, "needs in_1 to advance")
    if SEASONAL in features:
        reason = (
            "its next value depends on the season length, which the features do not carry; "
            "forecast one step at a time with /predict, or leave seasonal_lag out"
        )
        raise CannotAdvance(SEASONAL, reason)
    for name in features:
        rolling = _ROLLING.fullmatch(name)
        if rolling is not None and int(rolling.group(1)) - 1 > held:
            k = int(rolling.group(1))
            raise CannotAdvance(name, f"needs in_1..in_{k - 1} to advance, got in_1..in_{held}")
