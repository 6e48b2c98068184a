"""Concept-drift warnings: detections per model and series in the body, the leaderboard,
Prometheus and the logs; configuration; identical detector state after a crash."""

import asyncio
import logging
import pickle
import random

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from libs.journal import LocalSnapshots
from libs.testkit import run_service
from services.model.app import create_app
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.settings import ModelSettings
from services.model.tests.conftest import lags

SHIFT_AT = 201  # the first observation of the new level
DETECTION_DELAY = 64  # ADWIN looks for a change every 32 values (its clock)


def level_shift_bodies(series_id: str = "default") -> list[dict]:
    """200 observations around 100, then 200 around 400, with 12 lags and ids 1..400."""
    rng = random.Random(7)
    values = [100 + rng.gauss(0, 5) for _ in range(200)]
    values += [400 + rng.gauss(0, 5) for _ in range(200)]
    return [
        {"features": lags(values[:i]), "target": y, "series_id": series_id, "observation_id": i + 1}
        for i, y in enumerate(values)
    ]


def settings(tmp_path, **overrides) -> ModelSettings:
    return ModelSettings(state_dir=tmp_path / "state", model_name="linear_regression", **overrides)


def drift_samples(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.labels["model"], s.labels["series"]): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "ml_model_drift_detected_total"
    }


def test_level_shift_raises_a_drift_warning_for_a_regressor_soon_after_and_none_before(
    tmp_path, caplog
):
    bodies = level_shift_bodies("shop-1")
    with TestClient(create_app(settings(tmp_path))) as client:
        before = client.post("/predict_learn_batch", json={"items": bodies[: SHIFT_AT - 1]})
        quiet = client.get("/model_metrics").json()["series"]["shop-1"]["models"]
        with caplog.at_level(logging.WARNING, logger="services.model"):
            after = client.post("/predict_learn_batch", json={"items": bodies[SHIFT_AT - 1 :]})
        metrics = client.get("/model_metrics").json()["series"]["shop-1"]
        rows = client.get("/leaderboard", params={"series_id": "shop-1"}).json()["rows"]
        text = client.get("/metrics").text
    assert before.status_code == after.status_code == 200
    assert quiet["linear_regression"]["drift"] == {
        "detector": "adwin",
        "detected": 0,
        "last_detected_at": None,
        "window": 20,
        "recent": False,
    }
    drift = metrics["models"]["linear_regression"]["drift"]
    assert drift["detector"] == "adwin" and drift["detected"] >= 1 and drift["window"] == 20
    warnings = [
        r for r in caplog.records if getattr(r, "fields", {}).get("model") == "linear_regression"
    ]
    first = warnings[0].fields
    assert SHIFT_AT <= first["observation"] < SHIFT_AT + DETECTION_DELAY
    assert (first["series"], first["count"], first["detector"]) == ("shop-1", 1, "adwin")
    assert len(warnings) == drift["detected"]
    assert drift["last_detected_at"] == warnings[-1].fields["observation"]
    assert drift["recent"] is (metrics["seen"] - drift["last_detected_at"] < 20)
    assert {"naive", "seasonal_naive"} <= metrics["baselines"].keys()
    assert all("drift" in b for b in metrics["baselines"].values())
    row = next(r for r in rows if r["model"] == "linear_regression")
    assert row["drift"] == drift
    samples = drift_samples(text)
    assert samples[("linear_regression", "shop-1")] == drift["detected"]
    assert (
        samples[("baseline_naive", "shop-1")] == metrics["baselines"]["naive"]["drift"]["detected"]
    )


def test_drift_detector_none_reports_no_drift_objects_and_no_samples(tmp_path):
    with TestClient(create_app(settings(tmp_path, drift_detector="none"))) as client:
        client.post("/predict_learn_batch", json={"items": level_shift_bodies()})
        metrics = client.get("/model_metrics").json()["series"]["default"]
        rows = client.get("/leaderboard").json()["rows"]
        text = client.get("/metrics").text
        info = client.get("/info").json()
    assert metrics["models"]["linear_regression"]["n"] == 388
    assert all(
        "drift" not in m for m in [*metrics["models"].values(), *metrics["baselines"].values()]
    )
    assert all("drift" not in row for row in rows)
    assert "# TYPE ml_model_drift_detected_total counter" in text
    assert drift_samples(text) == {}
    assert info["drift_detector"] == "none"


def test_page_hinkley_is_reported_under_its_name(tmp_path):
    with TestClient(create_app(settings(tmp_path, drift_detector="page_hinkley"))) as client:
        client.post("/predict_learn_batch", json={"items": level_shift_bodies()[:50]})
        drift = client.get("/model_metrics").json()["series"]["default"]["models"]
        info = client.get("/info").json()
    assert drift["linear_regression"]["drift"]["detector"] == "page_hinkley"
    assert info["drift_detector"] == "page_hinkley"


def test_invalid_drift_detector_exits_with_one_line(tmp_path):
    completed = run_service("model", {"STATE_DIR": str(tmp_path), "DRIFT_DETECTOR": "kswin"})
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "model: invalid configuration: DRIFT_DETECTOR: Input should be 'adwin', 'page_hinkley' "
        "or 'none'"
    )


def detector_state(learner: Learner) -> dict:
    return {
        (series_id, name): (watch.detected, watch.last_detected_at, pickle.dumps(watch))
        for series_id, state in learner.series.items()
        for name, watch in state.board.drift.items()
    }


def test_snapshot_and_journal_replay_restore_identical_detector_state(tmp_path):
    bodies = [{"op": "learn", "predict": True, **b} for b in level_shift_bodies()]
    store = LocalSnapshots(tmp_path / "snapshots")
    durable = DurableLearner.open(Learner(["linear_regression"]), tmp_path, store)
    for body in bodies[:150]:
        durable.commit(body)
    asyncio.run(durable.snapshot())
    for body in bodies[150:230]:  # past the shift: detections after the snapshot, journal only
        durable.commit(body)
    durable.journal.close()  # kill -9: no snapshot of the last 80
    restored = DurableLearner.open(Learner(["linear_regression"]), tmp_path, store)
    reference = Learner(["linear_regression"])
    for body in bodies[:230]:
        reference.apply(body)
    assert detector_state(restored.learner) == detector_state(reference)
    assert reference.series["default"].board.drift["linear_regression"].detected >= 1
    for body in bodies[230:]:
        restored.commit(body)
        reference.apply(body)
    assert detector_state(restored.learner) == detector_state(reference)
    restored.journal.close()


def test_a_snapshot_without_drift_watches_is_watched_after_restart(tmp_path):
    bodies = [{"op": "learn", "predict": True, **b} for b in level_shift_bodies()]
    store = LocalSnapshots(tmp_path / "snapshots")
    durable = DurableLearner.open(Learner(["naive"], detector=None), tmp_path, store)
    for body in bodies[:100]:
        durable.commit(body)
    asyncio.run(durable.snapshot())
    durable.journal.close()
    restored = DurableLearner.open(Learner(["naive"], detector="adwin"), tmp_path, store)
    board = restored.learner.series["default"].board
    assert set(board.drift) == {"naive", "champion", "baseline_naive", "baseline_seasonal_naive"}
    assert board.drift["naive"].detected == 0
    restored.journal.close()
