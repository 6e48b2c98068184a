"""Caps on the work of one request, so that no single request holds the learner for minutes.

A model's cost is its time per predicted-and-learned item relative to a scaled linear
regression, measured on 12 lags (knn searches its neighbours among every stored observation;
the forests and the Hoeffding tree walk trees). A batch costs its items times the summed costs
of the served models; a forecast costs its steps times its features (at least 12) times the
same sum, because each step feeds the prediction back through every model.
"""

from collections.abc import Sequence

COSTS = {
    "knn_regressor": 70,
    "amf_regressor": 12,
    "decision_tree": 12,
    "bagging_regressor": 5,
    "lasso_regression": 2,
}
"""Costs of the models dearer than a linear regression; every other model costs 1."""
MIN_FEATURES = 12


class TooMuchWork(ValueError):
    """A request asks for more work than a cap allows; nothing was done (413)."""


def line_up_cost(models: Sequence[str]) -> int:
    """The cost of one item through every served model.

    Examples
    --------
    >>> line_up_cost(["linear_regression", "knn_regressor"])
    71
    """
    return sum(COSTS.get(name, 1) for name in models)


def check_batch(models: Sequence[str], items: int, limit: int) -> None:
    """Raise :class:`TooMuchWork` when ``items`` cost more than ``limit`` (``MAX_BATCH_COST``).

    Examples
    --------
    >>> try:
    ...     check_batch(["knn_regressor"], 10_000, 250_000)
    ... except TooMuchWork as exc:
    ...     print(exc)
    a batch of 10000 items costs 700000 with the served models (70 per item), over MAX_BATCH_COST=250000: send at most 3571 items per batch
    """  # noqa: E501
    per_item = line_up_cost(models)
    if items * per_item > limit:
        raise TooMuchWork(
            f"a batch of {items} items costs {items * per_item} with the served models "
            f"({per_item} per item), over MAX_BATCH_COST={limit}: send at most "
            f"{max(limit // per_item, 1)} items per batch"
        )


def check_forecast(models: Sequence[str], steps: int, features: int, limit: int) -> None:
    """Raise :class:`TooMuchWork` when a forecast costs more than ``limit``
    (``MAX_FORECAST_COST``).

    Examples
    --------
    >>> check_forecast(["linear_regression"], 1000, 12, 2_000_000) is None
    True
    >>> try:
    ...     check_forecast(["knn_regressor"], 1000, 1000, 2_000_000)
    ... except TooMuchWork as exc:
    ...     print(exc)
    1000 steps over 1000 features cost 70000000 with the served models (70 per step and feature), over MAX_FORECAST_COST=2000000: ask for at most 28 steps
    """  # noqa: E501
    per_step = line_up_cost(models) * max(features, MIN_FEATURES)
    if steps * per_step > limit:
        raise TooMuchWork(
            f"{steps} steps over {features} features cost {steps * per_step} with the served "
            f"models ({per_step // max(features, MIN_FEATURES)} per step and feature), over "
            f"MAX_FORECAST_COST={limit}: ask for at most {max(limit // per_step, 1)} steps"
        )
