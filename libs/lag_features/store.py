"""The store interface and its in-process implementation."""

from collections import deque
from typing import NamedTuple, Protocol

DEDUP_WINDOW = 10_000


class Applied(NamedTuple):
    """What a store did with one value: the window it read and whether it was a retry.

    ``previous`` is the window before ``value`` was stored, most recent first. For a retry
    (``duplicate``), ``value`` and ``previous`` are those of the first application.
    """

    series_id: str
    value: float
    previous: tuple[float, ...]
    observation_id: int | None
    duplicate: bool


class LagStore(Protocol):
    """Per-series windows of the last ``capacity`` values, most recent first.

    ``apply`` reads the window and then stores the value as one indivisible step. With an
    ``observation_id`` it is idempotent per series: the first answer is remembered (for the last
    ``dedup_window`` ids of the series) and returned again, with nothing stored.
    :class:`~libs.lag_features.RedisLagStore` offers the same operations as coroutines.
    """

    capacity: int

    def apply(self, series_id: str, value: float, observation_id: int | None = None) -> Applied: ...

    def window(self, series_id: str) -> tuple[float, ...] | None: ...

    def series_count(self) -> int: ...

    def reset(self, series_id: str | None = None) -> None: ...


class MemoryLagStore:
    """Windows in a dict of deques: one process, one replica.

    Parameters
    ----------
    capacity
        How many values each series keeps.
    dedup_window
        How many recent ``observation_id`` answers each series remembers.

    Examples
    --------
    >>> store = MemoryLagStore(capacity=3)
    >>> store.apply("a", 1.0, observation_id=1)
    Applied(series_id='a', value=1.0, previous=(), observation_id=1, duplicate=False)
    >>> store.apply("a", 2.0).previous
    (1.0,)
    >>> store.apply("a", 99.0, observation_id=1)
    Applied(series_id='a', value=1.0, previous=(), observation_id=1, duplicate=True)
    >>> store.window("a"), store.window("b")
    ((2.0, 1.0), None)
    """

    def __init__(self, capacity: int = 12, dedup_window: int = DEDUP_WINDOW):
        if capacity < 1 or dedup_window < 1:
            raise ValueError("capacity and dedup_window must be at least 1")
        self.capacity = capacity
        self.dedup_window = dedup_window
        self._windows: dict[str, deque[float]] = {}
        self._answers: dict[str, dict[int, tuple[float, tuple[float, ...]]]] = {}

    def apply(self, series_id: str, value: float, observation_id: int | None = None) -> Applied:
        answers = self._answers.get(series_id)
        if observation_id is not None and answers and observation_id in answers:
            first, previous = answers[observation_id]
            return Applied(series_id, first, previous, observation_id, True)
        window = self._windows.get(series_id)
        if window is None:
            window = self._windows[series_id] = deque(maxlen=self.capacity)
        previous = tuple(window)
        window.appendleft(value)
        if observation_id is not None:
            answers = self._answers.setdefault(series_id, {})
            answers[observation_id] = (value, previous)
            if len(answers) > self.dedup_window:
                del answers[next(iter(answers))]
        return Applied(series_id, value, previous, observation_id, False)

    def window(self, series_id: str) -> tuple[float, ...] | None:
        window = self._windows.get(series_id)
        return None if window is None else tuple(window)

    def series_count(self) -> int:
        return len(self._windows)

    def reset(self, series_id: str | None = None) -> None:
        """Forget one series, or every series when ``series_id`` is None."""
        if series_id is None:
            self._windows.clear()
            self._answers.clear()
        else:
            self._windows.pop(series_id, None)
            self._answers.pop(series_id, None)

    def dump(self) -> dict:
        """The whole state as plain JSON-able data, for snapshots.

        Examples
        --------
        >>> store = MemoryLagStore(capacity=2)
        >>> _ = store.apply("a", 1.0, observation_id=7); _ = store.apply("a", 2.0)
        >>> copy = MemoryLagStore.load(store.dump())
        >>> copy.window("a"), copy.apply("a", 5.0, observation_id=7).duplicate
        ((2.0, 1.0), True)
        """
        return {
            "capacity": self.capacity,
            "dedup_window": self.dedup_window,
            "windows": {s: list(w) for s, w in self._windows.items()},
            "answers": {
                s: [[oid, v, list(p)] for oid, (v, p) in a.items()]
                for s, a in self._answers.items()
            },
        }

    @classmethod
    def load(cls, state: dict, capacity: int | None = None) -> "MemoryLagStore":
        """Rebuild a store from :meth:`dump`, optionally with another ``capacity``."""
        store = cls(capacity or state["capacity"], state["dedup_window"])
        for series_id, values in state["windows"].items():
            store._windows[series_id] = deque(values, maxlen=store.capacity)
        for series_id, answers in state["answers"].items():
            store._answers[series_id] = {oid: (v, tuple(p)) for oid, v, p in answers}
        return store
