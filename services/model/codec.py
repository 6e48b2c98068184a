"""The model service's snapshot: JSON, with River estimators (and the few per-series objects
that hold them) pickled inside it.

Each series is encoded on its own and kept until it changes again (:class:`SnapshotCodec`), so
a snapshot re-encodes only the series that learned since the previous one. Models and River's
drift detectors are pickles (base64 in the JSON), and so are the per-series season, champion
selector and guard objects; scores, remembered answers, feedback and counters are plain JSON.
Reading the pickles back names only classes of River, of the platform's model and metrics
packages and a few of the standard library's (:class:`EstimatorUnpickler`): a snapshot cannot
make the service run other code.

A model that cannot be pickled (a Hoeffding tree grown so deep by a 1e308 target that
pickling it passes the recursion limit) is isolated: logged as a warning, counted in the
learner's errors for its series, and replaced by a fresh model, which the snapshot saves. The
other models and series are saved as usual.
"""

import base64
import io
import logging
import math
import pickle
from collections import OrderedDict, deque

import orjson

from libs.metrics import Scoreboard
from libs.metrics.drift import DriftWatch
from libs.metrics.scores import RegressionScore
from services.model.learner import Learner
from services.model.models import build_model
from services.model.seasons import SeriesSeason
from services.model.series import SeriesState

log = logging.getLogger(__name__)

FORMAT = 2
_PLAIN = (int, float, str, bool, type(None))
_MODULES = ("river.", "libs.forecasting.", "libs.metrics.", "services.model.")
_BUILTINS = {"float", "int", "complex", "set", "frozenset", "slice", "range", "tuple", "list"}
_COLLECTIONS = {"Counter", "OrderedDict", "defaultdict", "deque"}


def _getattr(obj, name: str):
    if name.startswith("__"):
        raise pickle.UnpicklingError(f"snapshot asks for attribute {name!r}")
    return getattr(obj, name)


class EstimatorUnpickler(pickle.Unpickler):
    """Unpickles River estimators and the platform's models; refuses any other global."""

    def find_class(self, module: str, name: str):
        if module == "builtins" and name == "getattr":
            return _getattr  # River pickles methods as getattr(class, name)
        allowed = (
            module.startswith(_MODULES)
            or (module == "builtins" and name in _BUILTINS)
            or (module == "collections" and name in _COLLECTIONS)
            or (module, name) == ("random", "Random")
        )
        if not allowed:
            raise pickle.UnpicklingError(f"snapshot names {module}.{name}, which is not allowed")
        return super().find_class(module, name)


def _pickle(obj) -> str:
    return base64.b64encode(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)).decode()


def _unpickle(text: str):
    return EstimatorUnpickler(io.BytesIO(base64.b64decode(text))).load()


def _json_floats(value):
    """Non-finite floats (errors of a model that predicted 1e308) as text, which JSON can hold.

    Examples
    --------
    >>> _json_floats({"sum": float("inf"), "recent": [(1.0, float("nan"))]})
    {'sum': 'inf', 'recent': [[1.0, 'nan']]}
    >>> _float_back(_json_floats(float("-inf")))
    -inf
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {k: _json_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple | deque):
        return [_json_floats(v) for v in value]
    return value


def _float_back(value):
    return float(value) if isinstance(value, str) else value


_FRESH = {
    RegressionScore: RegressionScore,
    Scoreboard: lambda: Scoreboard(()),
    DriftWatch: DriftWatch,
    SeriesState: lambda: SeriesState((), SeriesSeason(1, None), 0),
}
_NAMES: dict[type, tuple[str, ...]] = {}


def _attributes(obj) -> dict:
    """``vars(obj)`` for the objects a series updates on every observation, read one name at a
    time: on CPython 3.11 ``vars`` (and ``__dict__``) moves an object's attributes into a dict
    of its own for good, and every later attribute access on it costs about twice as much. The
    names are those of a fresh instance; an object lacking one (restored from an older
    snapshot) is read with ``vars``."""
    cls = type(obj)
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(vars(_FRESH[cls]()))
    try:
        return {name: getattr(obj, name) for name in names}
    except AttributeError:
        return vars(obj)


def _score(score: RegressionScore) -> dict:
    return _json_floats(_attributes(score))


def _board(board: Scoreboard) -> dict:
    fields = _attributes(board)
    return {
        **{k: v for k, v in fields.items() if k not in ("drift", "scores", "baselines")},
        "history": _json_floats(board.history),
        "scores": {name: _score(s) for name, s in board.scores.items()},
        "baselines": {name: _score(s) for name, s in board.baselines.items()},
        "drift": {
            name: {**_attributes(watch), "river_detector": _pickle(watch.river_detector)}
            for name, watch in board.drift.items()
        },
    }


def _new(cls, fields: dict):
    """An instance with ``fields``, set one by one (see :func:`_attributes`)."""
    obj = cls.__new__(cls)
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def _load_score(fields: dict) -> RegressionScore:
    score = _new(RegressionScore, {k: _float_back(v) for k, v in fields.items()})
    score.windows = tuple(score.windows)
    recent = (tuple(_float_back(v) for v in e) for e in fields["recent"])
    score.recent = deque(recent, maxlen=max(score.windows))
    return score


def _load_board(fields: dict) -> Scoreboard:
    board = _new(Scoreboard, fields)
    board.windows, board.drifted = tuple(board.windows), tuple(board.drifted)
    board.history = deque(map(_float_back, fields["history"]), maxlen=board.season)
    board.scores = {name: _load_score(s) for name, s in fields["scores"].items()}
    board.baselines = {name: _load_score(s) for name, s in fields["baselines"].items()}
    board.drift = {
        name: _new(DriftWatch, {**w, "river_detector": _unpickle(w["river_detector"])})
        for name, w in fields["drift"].items()
    }
    return board


class SnapshotCodec:
    """Encodes a :class:`Learner` to snapshot bytes and back; caches each series' encoding
    until :meth:`changed` names it. Call it from the learner's thread."""

    def __init__(self, learner: Learner):
        self.learner = learner
        self.encoded: dict[str, orjson.Fragment] = {}

    def changed(self, series_id: str) -> None:
        self.encoded.pop(series_id, None)

    def encode(self) -> bytes:
        learner, encoded = self.learner, self.encoded
        for series_id, state in learner.series.items():
            if series_id not in encoded:
                encoded[series_id] = orjson.Fragment(orjson.dumps(self._series(series_id, state)))
        saved = learner.state_dict()
        head = {k: v for k, v in saved.items() if k != "series"}
        head["feedback"] = list(saved["feedback"])
        series = {series_id: encoded[series_id] for series_id in learner.series}
        return orjson.dumps({"format": FORMAT, "learner": head, "series": series})

    def decode(self, payload: bytes) -> None:
        """Adopt a snapshot into the learner (a changed line-up as ``load_state_dict`` does)."""
        saved = orjson.loads(payload)
        if saved.get("format") != FORMAT:
            raise ValueError(f"snapshot format {saved.get('format')!r}, expected {FORMAT}")
        head = saved["learner"]
        head["series"] = {sid: self._load_series(s) for sid, s in saved["series"].items()}
        self.learner.load_state_dict(head)

    def _series(self, series_id: str, state: SeriesState) -> dict:
        fields = {
            k: v if isinstance(v, _PLAIN) else {"pickle": _pickle(v)}
            for k, v in _attributes(state).items()
            if k not in ("models", "board", "answers")
        }
        return {
            **fields,
            "models": {name: self._model(series_id, state, name) for name in state.models},
            "board": _board(state.board),
            "answers": [[oid, a[:8].hex(), a[8:].decode()] for oid, a in state.answers.items()],
        }

    def _model(self, series_id: str, state: SeriesState, name: str) -> str:
        try:
            return _pickle(state.models[name])
        except Exception as exc:  # RecursionError, or a model holding something unpicklable
            key = (name, series_id)
            self.learner.errors[key] = self.learner.errors.get(key, 0) + 1
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())
            fields = {"event": "model_reset", "model": name, "series": series_id}
            log.warning(
                "model %s of series %s cannot be snapshotted and starts afresh: %s",
                name, series_id, reason, extra={"fields": {**fields, "reason": reason}},
            )  # fmt: skip
            length = getattr(state.season, "length", state.season)
            state.models[name] = build_model(name, length)
            return _pickle(state.models[name])

    @staticmethod
    def _load_series(fields: dict) -> SeriesState:
        plain = {
            k: _unpickle(v["pickle"]) if isinstance(v, dict) and "pickle" in v else v
            for k, v in fields.items()
        }
        state = _new(SeriesState, plain)
        state.models = {name: _unpickle(m) for name, m in fields["models"].items()}
        state.board = _load_board(fields["board"])
        state.answers = OrderedDict(
            (oid, bytes.fromhex(fp) + body.encode()) for oid, fp, body in fields["answers"]
        )
        return state
