"""Scores of several models on one series, with naive baselines kept alongside."""

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from libs.metrics.drift import DriftWatch
from libs.metrics.scores import WINDOWS, RegressionScore

NAIVE = "baseline_naive"
SEASONAL_NAIVE = "baseline_seasonal_naive"


class Scoreboard:
    """Prequential scores of the models serving one series, and two baselines from its targets.

    Call :meth:`update` with every model's prediction for an observation and then its actual;
    :meth:`observe` feeds an actual that no model predicted (plain training). The baselines
    predict from the targets seen so far: ``baseline_naive`` the last one and
    ``baseline_seasonal_naive`` the one ``season`` observations back; each is scored once it
    can predict. The first ``warmup`` observations of the series are recorded but not scored, so
    every model is judged on the same observations (``warmup=12`` on monthly data scores
    observations 13 onwards, once a full year of lags exists).

    With a ``detector``, every model and baseline also has a :class:`~libs.metrics.DriftWatch`
    fed its absolute error on each scored observation; :attr:`drifted` names those whose
    detector fired on the latest observation, and :meth:`report` and :meth:`leaderboard` carry
    a ``drift`` object per model.

    Parameters
    ----------
    models
        Names of the models scored.
    season
        Season length for the seasonal-naive baseline.
    warmup
        Observations of the series that are not scored.
    windows
        Rolling window sizes.
    detector
        A drift detector name (``"adwin"``, ``"page_hinkley"``), or ``None`` for none.

    Examples
    --------
    >>> board = Scoreboard(["a", "b"], season=2, warmup=1)
    >>> for y, preds in [(1.0, {"a": 0.0, "b": 0.0}), (2.0, {"a": 2.5, "b": 1.0}),
    ...                  (3.0, {"a": 3.5, "b": 4.0})]:
    ...     board.update(preds, y)
    >>> board.scores["a"].mae(), board.scores["b"].mae(), board.baselines[NAIVE].mae()
    (0.5, 1.0, 1.0)
    >>> [row["model"] for row in board.leaderboard(window=5)]
    ['a', 'b', 'baseline_naive', 'baseline_seasonal_naive']
    >>> board.best(["a", "b"], window=5)
    'a'
    >>> board = Scoreboard(["a"], detector="adwin")
    >>> for y in [1.0] * 300 + [50.0] * 100:
    ...     board.update({"a": 1.0}, y)
    ...     if board.drifted:
    ...         print(board.seen, board.drifted)
    320 ('a',)
    332 ('baseline_seasonal_naive',)
    >>> board.report(window=20)["models"]["a"]["drift"]["last_detected_at"]
    320
    """

    def __init__(
        self,
        models: Iterable[str],
        season: int = 12,
        warmup: int = 0,
        windows: Sequence[int] = WINDOWS,
        detector: str | None = None,
    ):
        self.season = season
        self.warmup = warmup
        self.windows = tuple(windows)
        self.scores: dict[str, RegressionScore] = {m: RegressionScore(windows) for m in models}
        self.baselines = {NAIVE: RegressionScore(windows), SEASONAL_NAIVE: RegressionScore(windows)}
        self.history: deque[float] = deque(maxlen=season)
        self.seen = 0
        self.use_detector(detector)

    def use_detector(self, detector: str | None) -> None:
        """Watch every model and baseline with ``detector`` (``None``: stop watching).

        Watches already of that detector keep their state, others start afresh: this adopts a
        board restored from a snapshot taken before drift detection or with another detector.
        """
        kept = getattr(self, "drift", {})  # absent from boards pickled before drift watches
        self.detector = detector
        self.drifted: tuple[str, ...] = ()
        self.drift: dict[str, DriftWatch] = {}
        if detector is None:
            return
        for name, _ in self.all_scores():
            watch = kept.get(name)
            ok = watch is not None and watch.detector == detector
            self.drift[name] = watch if ok else DriftWatch(detector)

    def use_season(self, season: int, values: Sequence[float]) -> None:
        """Predict the seasonal-naive baseline ``season`` steps back from now on; ``values``
        are the series' values so far, oldest first."""
        self.season = season
        self.history = deque(values[-season:], maxlen=season)

    def add_model(self, name: str) -> None:
        self.scores.setdefault(name, RegressionScore(self.windows))
        if self.detector is not None:
            self.drift.setdefault(name, DriftWatch(self.detector))

    def remove_model(self, name: str) -> None:
        self.scores.pop(name, None)
        self.drift.pop(name, None)

    def update(self, predictions: Mapping[str, float], y_true: float) -> None:
        """Score each model's prediction of ``y_true``, then the baselines, then remember it."""
        scored = self.seen >= self.warmup
        scores, drift, drifted = self.scores, self.drift, ()
        if scored and drift:
            at = self.seen + 1
            for name, y_pred in predictions.items():
                scores[name].update(y_true, y_pred)
                if drift[name].update(abs(y_true - y_pred), at):
                    drifted += (name,)
        else:
            for name, y_pred in predictions.items():
                scores[name].update(y_true, y_pred, scored)
        self.drifted = drifted
        self._advance(y_true, scored)

    def observe(self, y_true: float, scored: bool | None = None) -> None:
        """Advance the series by an actual: the baselines predict it, then remember it."""
        if scored is None:
            scored = self.seen >= self.warmup
        self.drifted = ()
        self._advance(y_true, scored)

    def _advance(self, y_true: float, scored: bool) -> None:
        """Score the baselines' predictions of ``y_true`` (and watch their errors), then
        append it to the history."""
        history, baselines = self.history, self.baselines
        drift = self.drift if scored else None
        at = self.seen + 1
        if history:
            y_pred = history[-1]
            baselines[NAIVE].update(y_true, y_pred, scored)
            if drift and drift[NAIVE].update(abs(y_true - y_pred), at):
                self.drifted += (NAIVE,)
        if len(history) == self.season:
            y_pred = history[0]
            baselines[SEASONAL_NAIVE].update(y_true, y_pred, scored)
            if drift and drift[SEASONAL_NAIVE].update(abs(y_true - y_pred), at):
                self.drifted += (SEASONAL_NAIVE,)
        history.append(y_true)
        self.seen = at

    def all_scores(self) -> Iterable[tuple[str, RegressionScore]]:
        """Models, then baselines."""
        yield from self.scores.items()
        yield from self.baselines.items()

    def best(self, among: Sequence[str], window: int | None = 20) -> str:
        """The model of ``among`` with the lowest MAE over ``window``; the first when none has one.

        Ties go to the earlier name, so the choice is deterministic.
        """
        best, best_mae = among[0], None
        if len(among) == 1:
            return best
        for name in among:
            mae = self.scores[name].mae(window)
            if mae is not None and (best_mae is None or mae < best_mae):
                best, best_mae = name, mae
        return best

    def leaderboard(self, window: int | None = 20) -> list[dict]:
        """Models and baselines by MAE over ``window`` (``None``: cumulative), unscored last;
        with a detector, each row's ``drift`` judges recency over the same ``window``."""
        rows = []
        for name, score in self.all_scores():
            row = {
                "model": name,
                "baseline": name in self.baselines,
                "n": score.n,
                "mae": score.mae(),
                "rmse": score.rmse(),
                "window_mae": score.mae(window),
            }
            rows.append(self._with_drift(name, row, window))
        rows.sort(key=lambda r: (r["window_mae"] is None, r["window_mae"] or 0.0))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        return rows

    def report(self, window: int | None = 20) -> dict:
        """Every score's report; with a detector, a ``drift`` object each (recency over
        ``window``)."""
        return {
            "seen": self.seen,
            "warmup": self.warmup,
            "models": {
                name: self._with_drift(name, score.report(), window)
                for name, score in self.scores.items()
            },
            "baselines": {
                name.removeprefix("baseline_"): self._with_drift(name, score.report(), window)
                for name, score in self.baselines.items()
            },
        }

    def _with_drift(self, name: str, fields: dict, window: int | None) -> dict:
        watch = self.drift.get(name)
        if watch is not None:
            fields["drift"] = watch.report(self.seen, window)
        return fields
