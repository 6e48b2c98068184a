"""The learner: one set of models per series, predict-then-learn, idempotency and scores.

Everything that changes state goes through :meth:`Learner.apply` with a plain-dict record, the
same record the service writes to its journal first, so replaying the journal after a crash
repeats exactly what was acknowledged. Queries (``predict``, ``predict_many``, ``duplicate``)
change nothing. Not thread-safe: the service calls it from its event-loop thread only.
"""

import logging
from collections import OrderedDict, deque
from collections.abc import Sequence

import orjson

from libs.metrics import Scoreboard
from services.model.models import build_model

log = logging.getLogger(__name__)

BEST = "best"
FEEDBACK_KEPT = 1000


class SeriesState:
    """The models, scores and idempotency answers of one series."""

    def __init__(self, names: Sequence[str], season: int, warmup: int):
        self.models = {name: build_model(name, season) for name in names}
        self.board = Scoreboard(names, season=season, warmup=warmup)
        # First answers as JSON bytes: compact, and invisible to the cyclic garbage collector,
        # which would otherwise walk every remembered answer on each full collection.
        self.answers: OrderedDict[int, bytes | None] = OrderedDict()
        self.last_target: float | None = None
        self.learned = 0
        self.best = names[0]


class Learner:
    """Serves ``models`` on any number of series; ``champion`` is a model name or ``"best"``.

    Examples
    --------
    >>> learner = Learner(["naive", "linear_regression"], warmup=0)
    >>> record = {"op": "learn", "series_id": "default", "features": {"in_1": 100.0},
    ...           "target": 110.0, "observation_id": 1, "predict": True}
    >>> answer = learner.apply(record)
    >>> answer["prediction"], answer["cold"], answer["duplicate"]
    (100.0, True, False)
    >>> learner.duplicate("default", 1)["duplicate"], learner.count
    (True, 1)
    >>> learner.predict("default", {"in_1": 110.0})["predictions"]["naive"]
    110.0
    """

    def __init__(
        self,
        models: Sequence[str],
        champion: str = BEST,
        season: int = 12,
        warmup: int = 12,
        window: int = 20,
        idempotency_window: int = 100_000,
    ):
        self.models = tuple(models)
        self.champion = champion
        self.season = season
        self.warmup = warmup
        self.window = window
        self.idempotency_window = idempotency_window
        self.series: dict[str, SeriesState] = {}
        self.count = 0
        self.feedback: deque[dict] = deque(maxlen=FEEDBACK_KEPT)
        self.feedback_count = 0

    # Queries ---------------------------------------------------------------------------------

    def predict(self, series_id: str, features: dict) -> dict:
        state = self._state(series_id, create=False)
        predictions, cold = self._predict_all(state, features)
        champion = self._champion(state)
        return {
            "prediction": predictions[champion],
            "model": champion,
            "predictions": predictions,
            "cold": champion in cold,
            "series_id": series_id,
        }

    def predict_many(self, series_id: str, features: dict, steps: int) -> dict:
        state = self._state(series_id, create=False)
        fallback = self._fallback(state, features)
        by_model, cold = {}, False
        champion = self._champion(state)
        for name, model in state.models.items():
            forecasts = _guard(name, model.forecast, features, steps) or [None] * steps
            by_model[name] = [fallback if y is None else y for y in forecasts]
            if name == champion:
                cold = None in forecasts or getattr(model, "cold", False)
        return {
            "predictions": by_model[champion],
            "model": champion,
            "by_model": by_model,
            "cold": cold,
            "series_id": series_id,
        }

    def is_applied(self, series_id: str, observation_id: int | None) -> bool:
        """Whether a learning request with this id was applied to this series already."""
        state = self.series.get(series_id)
        return observation_id is not None and state is not None and observation_id in state.answers

    def duplicate(self, series_id: str, observation_id: int | None) -> dict | None:
        """The answer to a retry of an applied ``observation_id``, or ``None`` if it is new."""
        if not self.is_applied(series_id, observation_id):
            return None
        state = self.series[series_id]
        first = state.answers[observation_id]
        if first is None:  # applied by /train, which predicted nothing: predict now
            answer = {**self.predict(series_id, {}), "observation_id": observation_id}
        else:
            answer = orjson.loads(first)
        answer["duplicate"] = True
        return answer

    # Commands (journaled by the caller first) ------------------------------------------------

    def apply(self, record: dict):
        op = record["op"]
        if op == "learn":
            return self._learn(record)
        if op == "batch":
            return [self._learn(item) for item in record["items"]]
        if op == "feedback":
            return self._feedback(record)
        raise ValueError(f"unknown journal record {op!r}")

    def _learn(self, record: dict) -> dict:
        series_id, oid = record.get("series_id", "default"), record.get("observation_id")
        predict = record.get("predict", True)
        if self.is_applied(series_id, oid):
            if predict:
                return self.duplicate(series_id, oid)
            return _trained(self.series[series_id], series_id, oid, duplicate=True)
        state = self._state(series_id, create=True)
        x, y = record["features"], record["target"]
        answer = None
        if predict:
            answer = self._answer(state, series_id, x, oid)
            state.board.update(answer["predictions"], y)
            if self.champion == BEST:
                state.best = state.board.best(self.models, self.window)
        else:
            state.board.observe(y)
        for name, model in state.models.items():
            _guard(name, model.learn_one, x, y)
        state.last_target = y
        state.learned += 1
        self.count += 1
        if oid is not None:
            self._remember(state, oid, answer)
        if answer is None:
            return _trained(state, series_id, oid)
        return answer

    def _answer(self, state: SeriesState, series_id: str, x: dict, oid: int | None) -> dict:
        predictions, cold = self._predict_all(state, x)
        champion = self._champion(state)
        return {
            "prediction": predictions[champion],
            "model": champion,
            "predictions": predictions,
            "cold": champion in cold,
            "series_id": series_id,
            "observation_id": oid,
            "duplicate": False,
        }

    def _remember(self, state: SeriesState, oid: int, answer: dict | None) -> None:
        state.answers[oid] = None if answer is None else orjson.dumps(answer)
        if len(state.answers) > self.idempotency_window:
            state.answers.popitem(last=False)

    def _feedback(self, record: dict) -> dict:
        self.feedback_count += 1
        self.feedback.append(
            {"id": self.feedback_count, "message": record["message"], "at": record["at"]}
        )
        return {"id": self.feedback_count, "count": self.feedback_count}

    # Internals --------------------------------------------------------------------------------

    def _state(self, series_id: str, create: bool) -> SeriesState:
        state = self.series.get(series_id)
        if state is None:
            state = SeriesState(self.models, self.season, self.warmup)
            if create:
                self.series[series_id] = state
        return state

    def _champion(self, state: SeriesState) -> str:
        return state.best if self.champion == BEST else self.champion

    @staticmethod
    def _fallback(state: SeriesState, x: dict) -> float:
        """What a cold model answers: the latest lag, else the series' last value, else 0."""
        if "in_1" in x:
            return x["in_1"]
        return 0.0 if state.last_target is None else state.last_target

    def _predict_all(self, state: SeriesState, x: dict) -> tuple[dict[str, float], set[str]]:
        predictions, cold = {}, set()
        for name, model in state.models.items():
            y = _guard(name, model.predict_one, x)
            if y is None:
                cold.add(name)
                y = self._fallback(state, x)
            elif getattr(model, "cold", False):
                cold.add(name)
            predictions[name] = y
        return predictions, cold

    # Snapshots --------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {
            "models": self.models,
            "series": self.series,
            "count": self.count,
            "feedback": self.feedback,
            "feedback_count": self.feedback_count,
        }

    def load_state_dict(self, saved: dict) -> None:
        """Adopt a snapshot; models added to the line-up since start fresh, removed ones go."""
        self.series = saved["series"]
        self.count = saved["count"]
        self.feedback = deque(saved["feedback"], maxlen=FEEDBACK_KEPT)
        self.feedback_count = saved["feedback_count"]
        if tuple(saved["models"]) == self.models:
            return
        log.warning(
            "model line-up changed since the snapshot: %s -> %s", saved["models"], self.models
        )
        for state in self.series.values():
            state.models = {
                name: state.models.get(name) or build_model(name, self.season)
                for name in self.models
            }
            for name in set(state.board.scores) - set(self.models):
                state.board.remove_model(name)
            for name in self.models:
                state.board.add_model(name)
            state.best = state.board.best(self.models, self.window)


def _trained(state: SeriesState, series_id: str, oid: int | None, duplicate=False) -> dict:
    return {
        "learned": not duplicate,
        "count": state.learned,
        "series_id": series_id,
        "observation_id": oid,
        "duplicate": duplicate,
    }


def _guard(name: str, method, *args):
    """Call a model; a model that raises counts as cold instead of failing the others.

    River models can raise on unusual but valid input (a multiplicative Holt-Winters fed a
    zero); one model's failure must neither fail the request nor stop the journal's replay.
    """
    try:
        return method(*args)
    except Exception:
        log.warning("model %s failed in %s", name, method.__name__, exc_info=True)
        return None
