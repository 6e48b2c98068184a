import copy

import pytest

from libs.lag_features import LagFeatures
from libs.testkit.river_checks import check_cases

ESTIMATORS = [LagFeatures(), LagFeatures(n_lags=2, diff=True, seasonal_lag=4, rolling_window=3)]


@pytest.mark.parametrize(
    ("estimator", "check"),
    check_cases({repr(estimator): estimator for estimator in ESTIMATORS}),
)
def test_river_estimator_checks(estimator, check):
    """River's own checks (``river.checks``), run the way River's test suite runs them."""
    check(copy.deepcopy(estimator))


def test_learn_one_returns_nothing_and_transform_one_reads_the_series_of_x():
    lags = LagFeatures(n_lags=2)
    assert lags.learn_one({"series_id": "a"}, 1.0) is None
    lags.learn_one({"series_id": "a"}, 2.0)
    assert lags.transform_one({"series_id": "a"}) == {"in_1": 2.0, "in_2": 1.0}
    assert lags.transform_one({"series_id": "b"}) == {"in_1": 0.0, "in_2": 0.0}
