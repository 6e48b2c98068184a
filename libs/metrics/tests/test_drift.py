import pickle
import random

import pytest
from prometheus_client.parser import text_string_to_metric_families

from libs.metrics import DETECTORS, DriftWatch, Scoreboard
from libs.metrics.tests.test_exposition import exposition

SHIFT_AT = 201  # the first observation of the new level
DETECTION_DELAY = 64  # ADWIN checks for a change every 32 values (its clock)


def level_shift(seed: int = 7) -> list[float]:
    """200 observations around 100, then 200 around 400."""
    rng = random.Random(seed)
    return [100 + rng.gauss(0, 5) for _ in range(200)] + [400 + rng.gauss(0, 5) for _ in range(200)]


def drift_of(board: Scoreboard, model: str) -> list[int]:
    """Feed ``board`` a model that predicts the level of the first 200 observations; return the
    observations at which its detector fired."""
    fired = []
    for y in level_shift():
        board.update({model: 100.0}, y)
        if model in board.drifted:
            fired.append(board.seen)
    return fired


def test_adwin_fires_within_a_bounded_delay_after_a_level_shift_and_never_before():
    board = Scoreboard(["stale"], warmup=12, detector="adwin")
    fired = drift_of(board, "stale")
    assert fired and SHIFT_AT <= fired[0] < SHIFT_AT + DETECTION_DELAY
    report = board.report(window=20)["models"]["stale"]["drift"]
    assert report["detector"] == "adwin"
    assert report["detected"] == len(fired)
    assert report["last_detected_at"] == fired[-1]


def test_detections_are_exposed_as_a_counter_per_model_and_series():
    board = Scoreboard(["stale"], warmup=12, detector="adwin")
    fired = drift_of(board, "stale")
    samples = {
        (s.name, s.labels["model"]): s.value
        for f in text_string_to_metric_families(exposition({"shop-1": board}))
        for s in f.samples
        if s.labels.get("series") == "shop-1"
    }
    assert samples[("ml_model_drift_detected_total", "stale")] == len(fired)
    assert ("ml_model_drift_detected_total", "baseline_naive") in samples


def test_recent_means_a_detection_within_the_last_window_observations():
    watch = DriftWatch("adwin")
    watch.detected, watch.last_detected_at = 1, 100
    assert watch.report(seen=119, window=20)["recent"] is True
    assert watch.report(seen=120, window=20)["recent"] is False
    assert watch.report(seen=500, window=None)["recent"] is True
    assert DriftWatch("page_hinkley").report(seen=5, window=None)["recent"] is False


def test_a_board_without_a_detector_reports_no_drift_and_exposes_no_samples():
    board = Scoreboard(["stale"], warmup=12)
    assert drift_of(board, "stale") == []
    assert "drift" not in board.report()["models"]["stale"]
    assert all("drift" not in row for row in board.leaderboard())
    assert "ml_model_drift_detected_total{" not in exposition({"s": board})


@pytest.mark.parametrize("detector", sorted(DETECTORS))
def test_a_pickled_board_detects_exactly_as_one_never_pickled(detector):
    values = level_shift()
    reference = Scoreboard(["stale"], detector=detector)
    restored = Scoreboard(["stale"], detector=detector)
    for y in values[:150]:
        restored.update({"stale": 100.0}, y)
    restored = pickle.loads(pickle.dumps(restored))
    for y in values[150:]:
        restored.update({"stale": 100.0}, y)
    for y in values:
        reference.update({"stale": 100.0}, y)
    assert restored.report() == reference.report()
    assert reference.drift["stale"].detected > 0


def test_use_detector_keeps_watches_of_the_same_detector_and_restarts_others():
    board = Scoreboard(["stale"], detector="adwin")
    drift_of(board, "stale")
    detected = board.drift["stale"].detected
    board.use_detector("adwin")
    assert board.drift["stale"].detected == detected > 0
    board.use_detector("page_hinkley")
    assert board.drift["stale"].detected == 0
    board.use_detector(None)
    assert board.drift == {}
