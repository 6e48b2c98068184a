import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from river import metrics, utils

from libs.metrics import RegressionScore, Scoreboard

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
pairs = st.lists(st.tuples(values, values), min_size=0, max_size=60)
some_pairs = st.lists(st.tuples(values, values), min_size=1, max_size=60)


def brute(pairs, window=None):
    tail = pairs if window is None else pairs[-window:]
    if not tail:
        return None
    abs_errors = [abs(t - p) for t, p in tail]
    apes = [100 * abs(t - p) / abs(t) for t, p in tail if t != 0]
    mse = sum(e * e for e in abs_errors) / len(tail)
    return {
        "n": len(tail),
        "mae": sum(abs_errors) / len(tail),
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mape": sum(apes) / len(apes) if apes else None,
    }


def assert_summary_matches(summary, expected):
    if expected is None:
        assert summary["n"] == 0
        assert summary["mae"] is None
        return
    assert summary["n"] == expected["n"]
    for key in ("mae", "mse", "rmse", "mape"):
        if expected[key] is None:
            assert summary[key] is None
        else:
            assert summary[key] == pytest.approx(expected[key], rel=1e-9, abs=1e-9)


@given(pairs)
def test_cumulative_and_rolling_scores_equal_brute_force_recomputation(pairs):
    score = RegressionScore(windows=(5, 10, 20))
    for y_true, y_pred in pairs:
        score.update(y_true, y_pred)
    assert_summary_matches(score.summary(), brute(pairs))
    for window in (5, 10, 20):
        assert_summary_matches(score.summary(window), brute(pairs, window))


@given(some_pairs, st.sampled_from([1, 3, 5, 20]))
def test_rolling_mae_and_rmse_equal_rivers_rolling_metrics(pairs, window):
    score = RegressionScore(windows=(window,))
    rolling_mae = utils.Rolling(metrics.MAE, window_size=window)
    rolling_rmse = utils.Rolling(metrics.RMSE, window_size=window)
    for y_true, y_pred in pairs:
        score.update(y_true, y_pred)
        rolling_mae.update(y_true, y_pred)
        rolling_rmse.update(y_true, y_pred)
    assert score.mae(window) == pytest.approx(rolling_mae.get(), rel=1e-9, abs=1e-6)
    assert score.rmse(window) == pytest.approx(rolling_rmse.get(), rel=1e-9, abs=1e-6)


@given(some_pairs, st.integers(min_value=0, max_value=30))
def test_warmup_observations_are_recorded_but_not_scored(pairs, warmup):
    board = Scoreboard(["m"], season=12, warmup=warmup)
    for y_true, y_pred in pairs:
        board.update({"m": y_pred}, y_true)
    score = board.scores["m"]
    assert score.predictions == len(pairs)
    assert_summary_matches(score.summary(), brute(pairs[warmup:]))
    assert score.last_actual == pairs[-1][0]
    assert score.last_error == pairs[-1][0] - pairs[-1][1]


@given(st.lists(values, min_size=0, max_size=40), st.integers(min_value=1, max_value=13))
def test_baselines_score_the_last_value_and_the_value_one_season_back(targets, season):
    board = Scoreboard([], season=season)
    for y in targets:
        board.observe(y)
    naive = [(targets[i], targets[i - 1]) for i in range(1, len(targets))]
    seasonal = [(targets[i], targets[i - season]) for i in range(season, len(targets))]
    assert_summary_matches(board.baselines["baseline_naive"].summary(), brute(naive))
    assert_summary_matches(board.baselines["baseline_seasonal_naive"].summary(), brute(seasonal))


def test_mape_skips_zero_actuals_and_is_none_without_any():
    score = RegressionScore()
    score.update(0.0, 1.0)
    assert score.mape() is None
    score.update(50.0, 40.0)
    assert score.mape() == 20.0
    assert score.mae() == 5.5


def test_leaderboard_ranks_unscored_models_last_and_best_falls_back_to_the_first():
    board = Scoreboard(["slow", "fast"], warmup=0)
    assert board.best(["slow", "fast"]) == "slow"
    board.scores["fast"].update(10.0, 9.0)
    rows = board.leaderboard(window=5)
    assert rows[0]["model"] == "fast"
    assert rows[-1]["window_mae"] is None
    assert board.best(["slow", "fast"]) == "fast"
    assert board.leaderboard(window=None)[0]["rank"] == 1
