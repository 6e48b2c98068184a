"""The feature service's state: windows in the process (journalled) or in Redis.

Both backends offer the same coroutines and answer with :meth:`LagFeatures.answer` dicts; both
raise :class:`~libs.lag_features.ObservationConflict` (and store nothing) when a used
``observation_id`` comes back with another value, and
:class:`~libs.lag_features.SeasonConflict` when a series is given another ``season``.
"""

from pathlib import Path

from libs.journal import DurableState
from libs.lag_features import Item, LagFeatures, MemoryLagStore, RedisLagStore
from libs.serving.limits import check_room


class LocalLags:
    """Windows in a :class:`MemoryLagStore`; every applied value is journalled before it is
    applied and answered, so a kill -9 and restart lose nothing acknowledged, and a failed
    journal write changes nothing. One replica only (the journal directory is locked). A
    snapshot is taken every ``snapshot_every`` records and, once :meth:`start` ran on the event
    loop, at most ``snapshot_seconds`` apart."""

    backend = "memory"

    def __init__(
        self,
        features: LagFeatures,
        state_dir: Path,
        fsync: bool,
        snapshot_every: int,
        max_series: int,
        snapshot_seconds: float | None = None,
    ):
        self.features = features
        self.max_series = max_series
        self.store: MemoryLagStore = features.windows
        self.durable = DurableState(
            state_dir,
            "features",
            lambda: {"store": self.store.dump()},
            fsync=fsync,
            every=snapshot_every,
            seconds=snapshot_seconds,
        )
        try:
            self._restore()
        except BaseException:
            self.durable.journal.close()
            raise

    def _restore(self) -> None:
        saved, changes = self.durable.restore()
        if saved is not None and saved["store"] is not None:
            self.store = MemoryLagStore.load(saved["store"], capacity=self.store.capacity)
            self.features.windows = self.store
        for change in changes:
            if "a" in change:
                for item in change["a"]:
                    self.store.apply(*item)
            else:
                self.store.reset(change["r"])

    def start(self) -> None:
        """Start the snapshot timer (call from the event loop)."""
        self.durable.start()

    async def add_many(self, items: list[Item]) -> list[dict]:
        self.store.check(items)
        series = [item[0] for item in items]
        known = self.store.series_count()
        check_room(known, series, lambda s: self.store.window(s) is not None, self.max_series)
        fresh = [item for item in items if self.store.changes(item)]
        if fresh:
            self.durable.log({"a": fresh})
        return [self.features.answer(self.store.apply(*item)) for item in items]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        return self.store.window(series_id)

    async def season(self, series_id: str) -> int | None:
        return self.store.season(series_id)

    async def series_count(self) -> int:
        return self.store.series_count()

    async def reset(self, series_id: str | None) -> None:
        self.durable.log({"r": series_id})
        self.store.reset(series_id)

    async def ping(self) -> None:
        """Nothing to reach: the state is in the process."""

    async def close(self) -> None:
        await self.durable.close()


class RedisLags:
    """Windows in Redis through :class:`RedisLagStore`: any number of replicas, no local state.

    Redis errors propagate (the app answers 503); nothing falls back to memory. ``MAX_SERIES``
    is checked before the script runs, so replicas adding new series at the same moment may
    pass it by the series they add together.
    """

    backend = "redis"

    def __init__(self, features: LagFeatures, store: RedisLagStore, max_series: int):
        self.features = features
        self.store = store
        self.max_series = max_series

    async def add_many(self, items: list[Item]) -> list[dict]:
        series = [item[0] for item in items]
        distinct = sorted(set(series))
        async with self.store.client.pipeline(transaction=False) as pipe:
            pipe.scard(f"{self.store.prefix}:series")
            pipe.smismember(f"{self.store.prefix}:series", distinct)
            known, present = await pipe.execute()
        stored = {s for s, p in zip(distinct, present, strict=True) if p}
        check_room(known, series, stored.__contains__, self.max_series)
        return [self.features.answer(a) for a in await self.store.apply_many(items)]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        return await self.store.window(series_id)

    async def season(self, series_id: str) -> int | None:
        return await self.store.season(series_id)

    async def series_count(self) -> int:
        return await self.store.series_count()

    async def reset(self, series_id: str | None) -> None:
        await self.store.reset(series_id)

    async def ping(self) -> None:
        await self.store.client.ping()

    async def close(self) -> None:
        await self.store.client.aclose()
