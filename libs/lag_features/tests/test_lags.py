import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.lag_features import LagFeatures, MemoryLagStore, ObservationConflict

values = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
steps = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), values, st.none() | st.integers(0, 8)),
    max_size=60,
)


class BruteForce:
    """The reference: every value ever stored, and the first answer per (series, id)."""

    def __init__(self, n_lags):
        self.n_lags = n_lags
        self.history: dict[str, list[float]] = {}
        self.first: dict[tuple[str, int], dict] = {}

    def add(self, series_id, value, observation_id):
        key = (series_id, observation_id)
        if observation_id is not None and key in self.first:
            if self.first[key]["target"] != value:
                return "conflict"
            return {**self.first[key], "duplicate": True}
        past = self.history.setdefault(series_id, [])
        features = {
            f"in_{k}": past[-k] if k <= len(past) else 0.0 for k in range(1, self.n_lags + 1)
        }
        answer = {
            "series_id": series_id,
            "features": features,
            "target": value,
            "available_lags": min(len(past), self.n_lags),
            "observation_id": observation_id,
            "duplicate": False,
            "season": None,
        }
        past.append(value)
        if observation_id is not None:
            self.first[key] = answer
        return answer


@settings(max_examples=150, deadline=None)
@given(n_lags=st.integers(1, 6), steps=steps)
def test_lags_equal_brute_force_recomputation_including_retries_and_conflicts(n_lags, steps):
    lags, reference = LagFeatures(n_lags=n_lags), BruteForce(n_lags)
    for series_id, value, observation_id in steps:
        expected = reference.add(series_id, value, observation_id)
        assert outcome(lags.add, value, series_id, observation_id) == expected


def outcome(call, *args):
    """The answer, or ``"conflict"`` when the id was used for another value."""
    try:
        return call(*args)
    except ObservationConflict:
        return "conflict"


@settings(max_examples=60, deadline=None)
@given(steps=steps, cut=st.integers(0, 60))
def test_store_restored_from_dump_answers_like_the_original(steps, cut):
    original = MemoryLagStore(capacity=4)
    for step in steps[:cut]:
        outcome(original.apply, *step)
    restored = MemoryLagStore.load(original.dump())
    for step in steps[cut:]:
        assert outcome(restored.apply, *step) == outcome(original.apply, *step)


def test_reused_observation_id_with_another_value_is_refused_and_stores_nothing():
    store = MemoryLagStore(capacity=3)
    store.apply("s", 1.0, observation_id=1)
    with pytest.raises(ObservationConflict) as refused:
        store.apply("s", 2.0, observation_id=1)
    assert str(refused.value) == (
        "observation_id 1 of series 's' was already applied with value 1.0, not 2.0; "
        "a new value needs a new observation_id"
    )
    assert store.window("s") == (1.0,)
    assert store.apply("t", 2.0, observation_id=1).duplicate is False  # ids are per series


def test_batch_with_a_reused_id_is_refused_whole_even_against_its_own_items():
    store = MemoryLagStore(capacity=3)
    store.apply("s", 1.0, observation_id=1)
    for items in ([("s", 5.0, 2), ("s", 9.0, 1)], [("s", 5.0, 2), ("s", 6.0, 2)]):
        with pytest.raises(ObservationConflict) as refused:
            store.apply_many(items)
        assert refused.value.index == 1
    assert store.window("s") == (1.0,)
    applied = store.apply_many([("s", 5.0, 2), ("s", 5.0, 2), ("s", 1.0, 1)])
    assert [a.duplicate for a in applied] == [False, True, True]
    assert store.window("s") == (5.0, 1.0)


def test_default_output_is_exactly_in_1_to_in_12():
    answer = LagFeatures().add(112.0)
    assert list(answer["features"]) == [f"in_{k}" for k in range(1, 13)]
    assert set(answer["features"].values()) == {0.0}
    assert answer["available_lags"] == 0


def test_extras_match_their_definitions_over_the_window():
    lags = LagFeatures(n_lags=2, diff=True, seasonal_lag=3, rolling_window=2)
    for y in [10.0, 20.0, 40.0]:
        lags.add(y)
    features = lags.add(80.0)["features"]
    assert features == {
        "in_1": 40.0,
        "in_2": 20.0,
        "diff_1": 20.0,
        "seasonal_lag": 10.0,
        "rolling_mean_2": 30.0,
    }
    assert math.isclose(lags.transform_one({})["rolling_mean_2"], 60.0)


def test_oldest_answers_are_forgotten_beyond_the_dedup_window():
    store = MemoryLagStore(capacity=2, dedup_window=2)
    for oid in (1, 2, 3):
        store.apply("s", float(oid), observation_id=oid)
    assert store.apply("s", 3.0, observation_id=3).duplicate is True
    assert store.apply("s", 9.0, observation_id=1).duplicate is False


def test_reset_forgets_one_series_or_all():
    store = MemoryLagStore(capacity=2)
    store.apply("a", 1.0, observation_id=1)
    store.apply("b", 2.0)
    store.reset("a")
    assert (store.window("a"), store.window("b"), store.series_count()) == (None, (2.0,), 1)
    assert store.apply("a", 5.0, observation_id=1).duplicate is False
    store.reset()
    assert store.series_count() == 0


@pytest.mark.parametrize("kwargs", [{"n_lags": 0}, {"seasonal_lag": 0}, {"rolling_window": 0}])
def test_invalid_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        LagFeatures(**kwargs)


def test_store_too_small_for_the_options_is_refused():
    with pytest.raises(ValueError, match="store keeps 3 values, 12 needed"):
        LagFeatures(n_lags=12, store=MemoryLagStore(capacity=3))
