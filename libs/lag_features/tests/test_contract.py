"""``advance`` moves features exactly as the feature service's next answer would."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.lag_features import LagFeatures
from libs.lag_features.contract import CannotAdvance, advance, lag_names

values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    values=values,
    n_lags=st.integers(1, 6),
    diff=st.booleans(),
    rolling=st.one_of(st.none(), st.integers(1, 7)),
)
def test_advancing_the_features_gives_the_feature_services_next_answer(
    values, n_lags, diff, rolling
):
    if rolling is not None and rolling > n_lags + 1:
        rolling = n_lags + 1  # a longer mean needs lags the features do not carry
    lags = LagFeatures(n_lags=n_lags, diff=diff, rolling_window=rolling)
    answers = [lags.add(y) for y in values]
    full = max(2 if diff else 1, rolling or 1)  # from here on no 0.0 fill counts
    for t in range(full, len(values) - 1):
        assert advance(answers[t]["features"], values[t]) == pytest.approx(
            answers[t + 1]["features"], rel=1e-9, abs=1e-6
        )


def test_lags_beyond_the_window_become_the_zero_fill():
    features = dict(zip(lag_names(3), [5.0, 4.0, 3.0], strict=True))
    assert advance(features, 6.0) == {"in_1": 6.0, "in_2": 5.0, "in_3": 4.0}


@pytest.mark.parametrize(
    ("features", "feature"),
    [
        ({"in_1": 1.0, "seasonal_lag": 2.0}, "seasonal_lag"),
        ({"diff_1": 1.0}, "diff_1"),
        ({"in_1": 1.0, "in_2": 1.0, "rolling_mean_4": 1.0}, "rolling_mean_4"),
    ],
)
def test_a_feature_the_features_do_not_determine_is_refused_by_name(features, feature):
    with pytest.raises(CannotAdvance) as refused:
        advance(features, 1.0)
    assert refused.value.feature == feature
