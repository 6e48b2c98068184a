import base64
import pickle

import orjson
import pytest

from services.model.codec import SnapshotCodec
from services.model.learner import Learner
from services.model.routes import metrics_report
from services.model.tests.conftest import airline_bodies

LINE_UP = ["linear_regression", "decision_tree", "hw_airline_mean"]


def learn(body: dict) -> dict:
    return {"op": "learn", "predict": True, **body}


def test_a_restored_learner_answers_and_reports_exactly_as_the_original():
    original = Learner(LINE_UP)
    for body in airline_bodies()[:60] + airline_bodies("shop-2")[:30]:
        original.apply(learn(body))
    original.apply({"op": "learn", "predict": True, "features": {"in_1": 1e308}, "target": 1.0})
    original.apply({"op": "feedback", "message": "fine", "at": "2026-01-01T00:00:00Z"})
    restored = Learner(LINE_UP)
    SnapshotCodec(restored).decode(SnapshotCodec(original).encode())
    assert metrics_report(restored) == metrics_report(original)
    assert list(restored.feedback) == list(original.feedback)
    for body in airline_bodies()[60:80]:
        assert restored.apply(learn(body)) == original.apply(learn(body))
    retry = learn(airline_bodies()[5])
    assert restored.apply(retry) == original.apply(retry)


def test_only_series_that_changed_are_encoded_again():
    learner = Learner(["naive"], warmup=0)
    codec = SnapshotCodec(learner)
    for series_id in ("a", "b"):
        learner.apply({"op": "learn", "series_id": series_id, "features": {}, "target": 1.0})
    codec.encode()
    cached = codec.encoded["a"]
    learner.apply({"op": "learn", "series_id": "b", "features": {}, "target": 2.0})
    codec.changed("b")
    codec.encode()
    assert codec.encoded["a"] is cached and "b" in codec.encoded


class Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_a_snapshot_naming_anything_but_model_classes_is_refused():
    learner = Learner(["naive"], warmup=0)
    learner.apply({"op": "learn", "series_id": "a", "features": {}, "target": 1.0})
    saved = orjson.loads(SnapshotCodec(learner).encode())
    saved["series"]["a"]["models"]["naive"] = base64.b64encode(pickle.dumps(Exploit())).decode()
    with pytest.raises(pickle.UnpicklingError, match=r"posix\.system, which is not allowed"):
        SnapshotCodec(Learner(["naive"])).decode(orjson.dumps(saved))
