"""The store interfaces and the in-process implementation."""

from collections import OrderedDict, deque
from collections.abc import Sequence
from typing import NamedTuple, Protocol

DEDUP_WINDOW = 10_000

Item = tuple[str, float, int | None] | tuple[str, float, int | None, int | None]
"""``(series_id, value, observation_id[, season])``, one value to apply."""


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
    season: int | None = None
    """The series' season length, once a request gave one."""


class SeasonConflict(ValueError):
    """A request gives a series another ``season`` than the one it already has; nothing is
    applied. ``index`` is the item's position in a batch.

    Examples
    --------
    >>> str(SeasonConflict("a", 12, 4))
    "season 4 for series 'a': the series has season 12; a series' season cannot change"
    """

    def __init__(self, series_id: str, season: int, given: int, index: int = 0):
        self.series_id = series_id
        self.index = index
        super().__init__(
            f"season {given} for series {series_id!r}: the series has season {season}; "
            "a series' season cannot change"
        )


class ObservationConflict(ValueError):
    """A request reuses an ``observation_id`` already applied to the series for something else
    (another value here; another target or features on the model, which raises it too).

    Nothing is applied: the id is not a retry, and applying the new payload under an old id
    would make later retries ambiguous. ``reason`` completes the message; ``index`` is the
    item's position in a batch; ``first`` is the value first applied, when there is one.

    Examples
    --------
    >>> str(ObservationConflict("a", 7, "was already applied with value 1.0, not 2.0"))
    "observation_id 7 of series 'a' was already applied with value 1.0, not 2.0"
    """

    def __init__(self, series_id: str, observation_id: int, reason: str, index=0, first=None):
        self.series_id = series_id
        self.observation_id = observation_id
        self.index = index
        self.first = first
        super().__init__(f"observation_id {observation_id} of series {series_id!r} {reason}")

    @classmethod
    def other_value(cls, series_id: str, observation_id: int, first, value, index=0):
        """The conflict of a value that is not the one first applied under the id."""
        reason = (
            f"was already applied with value {first!r}, not {value!r}; "
            "a new value needs a new observation_id"
        )
        return cls(series_id, observation_id, reason, index, first)


class LagStore(Protocol):
    """Per-series windows of the last ``capacity`` values, most recent first (synchronous).

    ``apply`` reads the window and then stores the value as one indivisible step. With an
    ``observation_id`` it is idempotent per series: the first value and answer are remembered
    (for the last ``dedup_window`` ids of the series); the same value again gets the first answer
    back with nothing stored, another value raises :class:`ObservationConflict`. A ``season``
    is kept per series from the first item that gives one; another season later raises
    :class:`SeasonConflict`. ``apply_many`` applies items in order, and nothing at all when one
    of them conflicts.
    """

    capacity: int

    def apply(
        self,
        series_id: str,
        value: float,
        observation_id: int | None = None,
        season: int | None = None,
    ) -> Applied: ...

    def apply_many(self, items: Sequence[Item]) -> list[Applied]: ...

    def window(self, series_id: str) -> tuple[float, ...] | None: ...

    def series_count(self) -> int: ...

    def reset(self, series_id: str | None = None) -> None: ...


class AsyncLagStore(Protocol):
    """:class:`LagStore`'s operations and guarantees as coroutines, for stores behind a network
    (:class:`~libs.lag_features.RedisLagStore`). :class:`~libs.lag_features.LagFeatures` takes
    a :class:`LagStore`; with an asynchronous store, call it and pass each :class:`Applied` to
    :meth:`LagFeatures.answer <libs.lag_features.LagFeatures.answer>`."""

    capacity: int

    async def apply(
        self,
        series_id: str,
        value: float,
        observation_id: int | None = None,
        season: int | None = None,
    ) -> Applied: ...

    async def apply_many(self, items: Sequence[Item]) -> list[Applied]: ...

    async def window(self, series_id: str) -> tuple[float, ...] | None: ...

    async def series_count(self) -> int: ...

    async def reset(self, series_id: str | None = None) -> None: ...


class MemoryLagStore:
    """Windows in a dict of deques: one process, one replica (a :class:`LagStore`).

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
    Applied(series_id='a', value=1.0, previous=(), observation_id=1, duplicate=False, season=None)
    >>> store.apply("a", 2.0).previous
    (1.0,)
    >>> store.apply("a", 1.0, observation_id=1)
    Applied(series_id='a', value=1.0, previous=(), observation_id=1, duplicate=True, season=None)
    >>> try:
    ...     store.apply("a", 99.0, observation_id=1)
    ... except ObservationConflict as exc:
    ...     print(exc)
    observation_id 1 of series 'a' was already applied with value 1.0, not 99.0; ...
    >>> store.window("a"), store.window("b")
    ((2.0, 1.0), None)

    The first ``season`` given for a series stays; another one is refused:

    >>> store.apply("a", 3.0, season=4).season, store.apply("a", 4.0).season
    (4, 4)
    >>> try:
    ...     store.apply("a", 5.0, season=12)
    ... except SeasonConflict as exc:
    ...     print(exc)
    season 12 for series 'a': the series has season 4; a series' season cannot change
    """

    def __init__(self, capacity: int = 12, dedup_window: int = DEDUP_WINDOW):
        if capacity < 1 or dedup_window < 1:
            raise ValueError("capacity and dedup_window must be at least 1")
        self.capacity = capacity
        self.dedup_window = dedup_window
        self._windows: dict[str, deque[float]] = {}
        self._answers: dict[str, OrderedDict[int, tuple[float, tuple[float, ...]]]] = {}
        self._seasons: dict[str, int] = {}

    def apply(
        self,
        series_id: str,
        value: float,
        observation_id: int | None = None,
        season: int | None = None,
    ) -> Applied:
        known = self._seasons.get(series_id)
        if season is not None and known != season:
            if known is not None:
                raise SeasonConflict(series_id, known, season)
            self.check([(series_id, value, observation_id)])
            known = self._seasons[series_id] = season
        if observation_id is not None:
            first = self.first(series_id, observation_id)
            if first is not None:
                if first[0] != value:
                    raise ObservationConflict.other_value(
                        series_id, observation_id, first[0], value
                    )
                return Applied(series_id, first[0], first[1], observation_id, True, known)
        window = self._windows.get(series_id)
        if window is None:
            window = self._windows[series_id] = deque(maxlen=self.capacity)
        previous = tuple(window)
        window.appendleft(value)
        if observation_id is not None:
            answers = self._answers.get(series_id)
            if answers is None:
                answers = self._answers[series_id] = OrderedDict()
            answers[observation_id] = (value, previous)
            if len(answers) > self.dedup_window:
                answers.popitem(last=False)
        return Applied(series_id, value, previous, observation_id, False, known)

    def apply_many(self, items: Sequence[Item]) -> list[Applied]:
        """Apply items in order; if one conflicts, raise before anything is stored."""
        self.check(items)
        return [self.apply(*item) for item in items]

    def check(self, items: Sequence[Item]) -> None:
        """Raise :class:`ObservationConflict` for the first item whose id is taken by another
        value, or :class:`SeasonConflict` for one giving another season than its series has,
        among the stored state and the batch's own earlier items."""
        batch: dict[tuple[str, int], float] = {}
        seasons: dict[str, int] = {}
        for index, item in enumerate(items):
            series_id, value, oid = item[0], item[1], item[2]
            if len(item) > 3 and item[3] is not None:
                known = seasons.setdefault(series_id, self._seasons.get(series_id, item[3]))
                if known != item[3]:
                    raise SeasonConflict(series_id, known, item[3], index)
            if oid is None:
                continue
            first = batch.get((series_id, oid))
            if first is None:
                remembered = self.first(series_id, oid)
                first = value if remembered is None else remembered[0]
                batch[series_id, oid] = first
            if first != value:
                raise ObservationConflict.other_value(series_id, oid, first, value, index)

    def changes(self, item: Item) -> bool:
        """Whether applying ``item`` changes the state: a value not applied yet, or the first
        season of its series."""
        if len(item) > 3 and item[3] is not None and item[0] not in self._seasons:
            return True
        return item[2] is None or self.first(item[0], item[2]) is None

    def season(self, series_id: str) -> int | None:
        """The season a request gave the series, or ``None``."""
        return self._seasons.get(series_id)

    def first(self, series_id: str, observation_id: int) -> tuple[float, tuple] | None:
        """The remembered ``(value, previous)`` of an id, or ``None``."""
        answers = self._answers.get(series_id)
        return None if answers is None else answers.get(observation_id)

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
            self._seasons.clear()
        else:
            self._windows.pop(series_id, None)
            self._answers.pop(series_id, None)
            self._seasons.pop(series_id, None)

    def dump(self) -> dict:
        """The whole state as plain JSON-able data, for snapshots.

        Examples
        --------
        >>> store = MemoryLagStore(capacity=2)
        >>> _ = store.apply("a", 1.0, observation_id=7); _ = store.apply("a", 2.0)
        >>> copy = MemoryLagStore.load(store.dump())
        >>> copy.window("a"), copy.apply("a", 1.0, observation_id=7).duplicate
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
            "seasons": dict(self._seasons),
        }

    @classmethod
    def load(cls, state: dict, capacity: int | None = None) -> "MemoryLagStore":
        """Rebuild a store from :meth:`dump`, optionally with another ``capacity``."""
        store = cls(capacity or state["capacity"], state["dedup_window"])
        for series_id, values in state["windows"].items():
            store._windows[series_id] = deque(values, maxlen=store.capacity)
        for series_id, answers in state["answers"].items():
            store._answers[series_id] = OrderedDict((oid, (v, tuple(p))) for oid, v, p in answers)
        store._seasons = dict(state.get("seasons", {}))  # snapshots from before seasons have none
        return store
