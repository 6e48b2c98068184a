"""The learner: one set of models per series, predict-then-learn, idempotency and scores.

Everything that changes state goes through :meth:`Learner.apply` with a plain-dict record, the
same record the service writes to its journal first, so replaying the journal after a crash
repeats exactly what was acknowledged. :meth:`Learner.check` refuses a record that reuses an
applied ``observation_id`` for another payload before anything is journaled or learned. Queries
(``predict``, ``predict_many``) change nothing. Not thread-safe: the service calls it from its
event-loop thread only.
"""

import logging
from collections import deque
from collections.abc import Sequence

from services.model import champion as champions
from services.model.adapters import LAST
from services.model.champion import SERVED
from services.model.remembered import (
    adopt_legacy_answers,
    entry,
    fingerprint,
    first_answer,
    verify,
)
from services.model.schemas import forecasted, predicted, trained
from services.model.seasons import SeriesSeason
from services.model.series import SeriesState, fallback

log = logging.getLogger(__name__)

BEST = "best"
FEEDBACK_KEPT = 1000
ANSWERS_FORMAT = 2  # remembered answers carry a payload fingerprint


class Learner:
    """Serves ``models`` on any number of series; ``champion`` is a model name or ``"best"``.

    A model that raises keeps the others learning: it answers the cold fallback, is listed in
    the answer's ``failed``, and is counted in :attr:`errors` by ``(model, series)``.

    ``detector`` (``"adwin"``, ``"page_hinkley"`` or ``None``) watches every model's and
    baseline's absolute errors per series for concept drift; each detection is logged as a
    warning with its model, series and count (a journal replay logs it again, same count).

    Examples
    --------
    >>> learner = Learner(["naive", "linear_regression"], warmup=0)
    >>> record = {"op": "learn", "series_id": "default", "features": {"in_1": 100.0},
    ...           "target": 110.0, "observation_id": 1, "predict": True}
    >>> answer = learner.apply(record)
    >>> answer["prediction"], answer["cold"], answer["failed"], answer["duplicate"]
    (100.0, True, [], False)
    >>> learner.apply(record)["duplicate"], learner.count
    (True, 1)
    >>> learner.predict("default", {"in_1": 110.0})["predictions"]["naive"]
    110.0
    """

    def __init__(
        self,
        models: Sequence[str],
        champion: str = BEST,
        season: int | None = 12,
        warmup: int = 12,
        window: int = 20,
        idempotency_window: int = 100_000,
        detector: str | None = "adwin",
    ):
        self.models = tuple(models)
        self.champion = champion
        self.season = season
        self.warmup = warmup
        self.window = window
        self.idempotency_window = idempotency_window
        self.detector = detector
        self.series: dict[str, SeriesState] = {}
        self.count = 0
        self.feedback: deque[dict] = deque(maxlen=FEEDBACK_KEPT)
        self.feedback_count = 0
        self.errors: dict[tuple[str, str], int] = {}

    # Queries ---------------------------------------------------------------------------------

    def predict(self, series_id: str, features: dict) -> dict:
        state = self.series.get(series_id)
        if state is None:  # every fresh model is cold: answer the fallback without building any
            y = features.get(LAST, 0.0)
            by_model = dict.fromkeys(self.models, y)
            return predicted(series_id, self.champion_of(None), by_model, True, (), y)
        return self._answer(state, series_id, features)

    def predict_many(self, series_id: str, features: dict, steps: int) -> dict:
        state = self.series.get(series_id)
        champion = self.champion_of(state)
        if state is None:  # every fresh model is cold: the fallback, without building any
            y = features.get(LAST, 0.0)
            by_model = {name: [y] * steps for name in self.models}
            return forecasted(series_id, champion, by_model, True, [], [y] * steps)
        by_model, cold, failed = {}, False, []
        for name, model in state.models.items():
            forecasts = self._call(failed, series_id, name, model.forecast, features, steps)
            if forecasts is None:
                forecasts = [fallback(state, features)] * steps
            by_model[name] = forecasts
            if name == champion:
                cold = name in failed or model.cold
        rejected = state.guard.screen_paths(by_model, fallback(state, features))
        if champion == champions.BASELINE:
            baseline = [fallback(state, features)] * steps
            return forecasted(series_id, champion, by_model, True, failed, baseline, rejected)
        return forecasted(series_id, champion, by_model, cold, failed, None, rejected)

    def check(self, record: dict) -> bool:
        """Raise :class:`~libs.lag_features.ObservationConflict` if a learning item reuses
        an applied id for another payload (a batch is checked whole, its own earlier items
        included); return whether every item is a retry of applied work."""
        op = record["op"]
        if op == "feedback":
            return False
        items = record["items"] if op == "batch" else (record,)
        predict, retries, pending = record.get("predict", True), 0, {}
        series, several = self.series, len(items) > 1
        for index, item in enumerate(items):
            series_id = item.get("series_id", "default")
            state = series.get(series_id)
            if state is not None:
                state.season.check(series_id, item.get("season"), index)
            oid = item.get("observation_id")
            if oid is None:
                continue
            remembered = None if state is None else state.answers.get(oid)
            if remembered is not None:
                verify(remembered, item, predict, series_id, index)
                retries += 1
            elif several:
                earlier = pending.setdefault((series_id, oid), item)
                if earlier is not item:
                    verify(fingerprint(earlier) + b"{}", item, predict, series_id, index)
        return retries == len(items)

    # Commands (checked, then journaled by the caller first) ---------------------------------

    def apply(self, record: dict):
        """Check a record, then apply it."""
        self.check(record)
        return self.apply_checked(record)

    def apply_checked(self, record: dict):
        """Apply a record that passed :meth:`check` (or comes back from the journal)."""
        op = record["op"]
        if op == "learn":
            return self.learn(record)
        if op == "batch":
            return [self.learn(item) for item in record["items"]]
        if op == "feedback":
            return self._feedback(record)
        raise ValueError(f"unknown journal record {op!r}")

    def learn(self, record: dict) -> dict:
        """Apply one checked ``learn`` record or batch item: predict and score (unless
        ``predict`` is false), learn, remember the answer; the answer."""
        series_id, oid = record.get("series_id", "default"), record.get("observation_id")
        predict = record.get("predict", True)
        state = self.series.get(series_id)
        if state is None:
            state = self._new_series(series_id, record.get("season"))
        elif oid is not None and oid in state.answers:
            return self._duplicate(state, series_id, oid, predict)
        x, y = record["features"], record["target"]
        if predict:
            answer = self._scored(state, series_id, oid, x, y)
            failed = answer["failed"]
        else:
            answer, failed = None, []
            state.board.observe(y)
        if state.board.drifted:
            self._warn_drift(state, series_id)
        for name, model in state.models.items():
            try:
                model.learn_one(x, y)
            except Exception:
                self._failed(failed, series_id, name, "learn_one")
        state.observe(y)
        state.last_target = y
        state.learned += 1
        self.count += 1
        if oid is not None:
            self._remember(state, oid, record, answer)
        return trained(state.learned, series_id, oid, failed) if answer is None else answer

    def _new_series(self, series_id: str, season: int | None) -> SeriesState:
        state = SeriesState(
            self.models, SeriesSeason(season, self.season), self.warmup, self.detector
        )
        self.series[series_id] = state
        return state

    def _scored(self, state: SeriesState, series_id: str, oid, x: dict, y: float) -> dict:
        """The answer to ``x``, its predictions (and what was served) scored against ``y``."""
        answer = self._answer(state, series_id, x)
        answer["observation_id"], answer["duplicate"] = oid, False
        predictions = answer["predictions"]
        state.board.update({**predictions, SERVED: answer["prediction"]}, y)
        if self.champion == BEST:
            state.best = state.selector.update(predictions, y)
        return answer

    def _remember(self, state: SeriesState, oid: int, record: dict, answer: dict | None) -> None:
        answers = state.answers
        answers[oid] = entry(fingerprint(record), answer)
        if len(answers) > self.idempotency_window:
            answers.popitem(last=False)

    def _warn_drift(self, state: SeriesState, series_id: str) -> None:
        for name in state.board.drifted:
            watch = state.board.drift[name]
            fields = {
                "event": "concept_drift",
                "model": name,
                "series": series_id,
                "count": watch.detected,
                "observation": watch.last_detected_at,
                "detector": watch.detector,
            }
            log.warning(
                "concept drift: %s on series %s, detection %d at observation %d",
                name, series_id, watch.detected, watch.last_detected_at,
                extra={"fields": fields},
            )  # fmt: skip

    def _duplicate(self, state: SeriesState, series_id: str, oid: int, predict: bool) -> dict:
        first = first_answer(state.answers[oid]) if predict else None
        if first is None:
            again = trained(state.learned, series_id, oid, [])
            return {**again, "learned": False, "duplicate": True}
        first["duplicate"] = True
        return first

    def _feedback(self, record: dict) -> dict:
        self.feedback_count += 1
        self.feedback.append(
            {"id": self.feedback_count, "message": record["message"], "at": record["at"]}
        )
        return {"id": self.feedback_count, "count": self.feedback_count}

    # Internals --------------------------------------------------------------------------------

    def champion_of(self, state: SeriesState | None) -> str:
        """The configured (or only) model, else the series' best, else the naive baseline."""
        if self.champion != BEST:
            return self.champion
        if len(self.models) == 1:  # it answers the latest lag while cold: the baseline's value
            return self.models[0]
        best = None if state is None else state.best
        return champions.BASELINE if best is None else best

    def _answer(self, state: SeriesState, series_id: str, x: dict) -> dict:
        predictions, failed = {}, []
        served = fallback(state, x)
        for name, model in state.models.items():
            try:
                y = model.predict_one(x)
            except Exception:
                self._failed(failed, series_id, name, "predict_one")
                y = None
            predictions[name] = served if y is None else y
        rejected = state.guard.screen(predictions, served)
        champion = self.champion_of(state)
        if champion == champions.BASELINE:
            return predicted(series_id, champion, predictions, True, failed, served, rejected)
        cold = champion in failed or state.models[champion].cold
        return predicted(series_id, champion, predictions, cold, failed, None, rejected)

    def _call(self, failed: list, series_id: str, name: str, method, *args):
        """Call a model; see :meth:`_failed` for one that raises."""
        try:
            return method(*args)
        except Exception:
            self._failed(failed, series_id, name, method.__name__)
            return None

    def _failed(self, failed: list, series_id: str, name: str, method: str) -> None:
        """A model raised (call from the ``except`` block): it is logged, listed in ``failed``
        and counted, and the others go on (River models can raise on unusual but valid
        input, a multiplicative Holt-Winters fed a zero, say; neither the request nor the
        journal's replay may fail)."""
        log.warning("model %s failed in %s on series %s", name, method, series_id, exc_info=True)
        key = (name, series_id)
        self.errors[key] = self.errors.get(key, 0) + 1
        if name not in failed:
            failed.append(name)

    # Snapshots --------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        return {
            "models": self.models,
            "series": self.series,
            "count": self.count,
            "feedback": self.feedback,
            "feedback_count": self.feedback_count,
            "answers_format": ANSWERS_FORMAT,
        }

    def load_state_dict(self, saved: dict) -> None:
        """Adopt a snapshot; models added to the line-up since start fresh, removed ones go."""
        self.series = saved["series"]
        self.count = saved["count"]
        self.feedback = deque(saved["feedback"], maxlen=FEEDBACK_KEPT)
        self.feedback_count = saved["feedback_count"]
        if saved.get("answers_format") != ANSWERS_FORMAT:
            adopt_legacy_answers(self.series)
        for state in self.series.values():
            state.board.use_detector(self.detector)
        if tuple(saved["models"]) != self.models:
            log.warning("model line-up changed: %s -> %s", saved["models"], self.models)
            for state in self.series.values():
                state.adopt_line_up(self.models)
