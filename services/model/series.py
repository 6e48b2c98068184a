"""One series' state, and what is remembered of each ``observation_id`` applied to it.

A remembered entry is one ``bytes`` object (compact, and invisible to the cyclic garbage
collector, which would otherwise walk every remembered answer on each full collection): an
8-byte fingerprint of the request's payload (target and features), then the JSON of the first
answer, or nothing when ``/train`` applied it (it made no prediction to answer again).
"""

from collections import OrderedDict
from collections.abc import Sequence
from hashlib import blake2b

import orjson

from libs.lag_features import ObservationConflict
from libs.metrics import Scoreboard
from services.model.adapters import LAST
from services.model.champion import SERVED, ChampionSelector, Guard
from services.model.models import CATALOG, build_model
from services.model.seasons import SeriesSeason

FINGERPRINT_BYTES = 8
UNKNOWN = bytes(FINGERPRINT_BYTES)
"""The fingerprint of entries restored from snapshots taken before fingerprints existed: any
payload matches it."""


class SeriesState:
    """The models, scores, guard, season and remembered answers of one series."""

    def __init__(
        self, names: Sequence[str], season: SeriesSeason, warmup: int, detector: str | None = None
    ):
        self.season = season
        length = season.length
        self.models = {name: build_model(name, length) for name in names}
        self.board = Scoreboard((*names, SERVED), season=length, warmup=warmup, detector=detector)
        self.guard = Guard(length)
        self.answers: OrderedDict[int, bytes] = OrderedDict()
        self.last_target: float | None = None
        self.learned = 0
        self.selector = ChampionSelector(names, warmup)
        self.best: str | None = None

    def observe(self, y: float) -> None:
        """After every model learned ``y``: the guard's range, and the season once detected
        (seasonal models are then rebuilt for it and re-learn the series' values)."""
        self.guard.learn_one(y)
        values = self.season.settle(y)
        if values is None or self.season.value == 1:
            return
        season = self.season.value
        for name in self.models:
            if CATALOG[name].seasonal:
                model = self.models[name] = build_model(name, season)
                for value in values:
                    model.learn_one({}, value)
        self.board.use_season(season, values)
        self.guard.use_season(season)

    def adopt_line_up(self, names: Sequence[str]) -> None:
        """Serve ``names``: keep the models still listed, start new ones fresh."""
        self.models = {
            name: self.models.get(name) or build_model(name, self.season.length) for name in names
        }
        for name in set(self.board.scores) - {*names, SERVED}:
            self.board.remove_model(name)
        for name in names:
            self.board.add_model(name)
        self.selector.use(names)
        self.best = self.selector.best()


def fallback(state: SeriesState, x: dict) -> float:
    """What a cold model answers: the latest lag, else the series' last value, else 0."""
    if LAST in x:
        return x[LAST]
    return 0.0 if state.last_target is None else state.last_target


def fingerprint(item: dict) -> bytes:
    """8 bytes that tell a learning request's payload (target, features) from another's; the
    features' order does not matter.

    Examples
    --------
    >>> a = fingerprint({"features": {"in_1": 1.0, "in_2": 2.0}, "target": 3.0})
    >>> a == fingerprint({"features": {"in_2": 2.0, "in_1": 1.0}, "target": 3.0})
    True
    >>> a == fingerprint({"features": {"in_1": 1.0, "in_2": 2.0}, "target": 3.5})
    False
    """
    payload = orjson.dumps((item["target"], item["features"]), option=orjson.OPT_SORT_KEYS)
    return blake2b(payload, digest_size=FINGERPRINT_BYTES).digest()


def entry(fp: bytes, answer: dict | None) -> bytes:
    return fp if answer is None else fp + orjson.dumps(answer)


def first_answer(remembered: bytes) -> dict | None:
    """The first answer of a remembered entry (``None``: applied by ``/train``)."""
    body = remembered[FINGERPRINT_BYTES:]
    return orjson.loads(body) if body else None


def verify(remembered: bytes, item: dict, predict: bool, series_id: str, index: int = 0) -> None:
    """Raise :class:`ObservationConflict` unless ``item`` retries what ``remembered`` records."""
    oid = item["observation_id"]
    fp = remembered[:FINGERPRINT_BYTES]
    if fp != UNKNOWN and fp != fingerprint(item):
        reason = "was already applied with another target or features; use a new observation_id"
        raise ObservationConflict(series_id, oid, reason, index)
    if predict and len(remembered) == FINGERPRINT_BYTES:
        reason = (
            "was learned by /train, which made no prediction to answer again; "
            "retry it with /train, or use a new observation_id"
        )
        raise ObservationConflict(series_id, oid, reason, index)


def adopt_legacy_answers(series: dict[str, SeriesState]) -> None:
    """Entries of snapshots before fingerprints (``None`` or the answer's JSON) get
    :data:`UNKNOWN`."""
    for state in series.values():
        for oid, old in state.answers.items():
            state.answers[oid] = UNKNOWN + (old or b"")


def predicted(
    series_id: str,
    champion: str,
    predictions: dict,
    cold: bool,
    failed=(),
    served=None,
    rejected=(),
) -> dict:
    """The answer of a prediction (``/predict``; ``/predict_learn`` adds the id); ``served``
    when the champion is the baseline rather than a model."""
    return {
        "prediction": predictions[champion] if served is None else served,
        "model": champion,
        "predictions": predictions,
        "cold": cold,
        "failed": list(failed),
        "rejected": list(rejected),
        "series_id": series_id,
    }


def forecasted(
    series_id: str,
    champion: str,
    by_model: dict,
    cold: bool,
    failed: list,
    served=None,
    rejected=(),
) -> dict:
    """The answer of ``/predict_many``; ``served`` when the champion is the baseline."""
    return {
        "predictions": by_model[champion] if served is None else served,
        "model": champion,
        "by_model": by_model,
        "cold": cold,
        "failed": failed,
        "rejected": list(rejected),
        "series_id": series_id,
    }


def trained(state: SeriesState, series_id: str, oid: int | None, failed: list) -> dict:
    """The answer of ``/train``."""
    return {
        "learned": True,
        "count": state.learned,
        "series_id": series_id,
        "observation_id": oid,
        "duplicate": False,
        "failed": failed,
    }
