"""The feature service's state: windows in the process (journalled) or in Redis.

Both backends offer the same coroutines and answer with :meth:`LagFeatures.answer` dicts.
"""

from pathlib import Path

import orjson

from libs.journal import Journal, LocalSnapshots
from libs.lag_features import LagFeatures, MemoryLagStore, RedisLagStore

Item = tuple[str, float, int | None]


class LocalLags:
    """Windows in a :class:`MemoryLagStore`; every applied value is journalled before answering,
    so a kill -9 and restart lose nothing acknowledged. One replica only."""

    backend = "memory"

    def __init__(self, features: LagFeatures, state_dir: Path, fsync: bool, snapshot_every: int):
        self.features = features
        self.snapshot_every = snapshot_every
        self._snapshots = LocalSnapshots(state_dir)
        self._journal = Journal(Path(state_dir) / "journal", fsync=fsync)
        self.store: MemoryLagStore = features.store
        self._covered = self._restore()

    def _restore(self) -> int:
        raw = self._snapshots.load("features")
        state = orjson.loads(raw) if raw else {"covered": 0, "store": None}
        if state["store"] is not None:
            self.store = MemoryLagStore.load(state["store"], capacity=self.store.capacity)
            self.features.store = self.store
        for record in self._journal.replay(after=state["covered"]):
            self._redo(record.data)
        return state["covered"]

    def _redo(self, change: dict) -> None:
        if "a" in change:
            for item in change["a"]:
                self.store.apply(*item)
        else:
            self.store.reset(change["r"])

    def _log(self, change: dict) -> None:
        """Journal a change already made in memory (a snapshot taken here must include it)."""
        seq = self._journal.append(change)
        if seq - self._covered >= self.snapshot_every:
            self.snapshot()

    def snapshot(self) -> None:
        state = {"covered": self._journal.seq, "store": self.store.dump()}
        self._snapshots.save("features", orjson.dumps(state))
        self._journal.checkpoint(self._journal.seq)
        self._covered = self._journal.seq

    async def add_many(self, items: list[Item]) -> list[dict]:
        applied = [self.store.apply(*item) for item in items]
        fresh = [[a.series_id, a.value, a.observation_id] for a in applied if not a.duplicate]
        if fresh:
            self._log({"a": fresh})
        return [self.features.answer(a) for a in applied]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        return self.store.window(series_id)

    async def series_count(self) -> int:
        return self.store.series_count()

    async def reset(self, series_id: str | None) -> None:
        self.store.reset(series_id)
        self._log({"r": series_id})

    async def ping(self) -> None:
        """Nothing to reach: the state is in the process."""

    async def close(self) -> None:
        self.snapshot()
        self._journal.close()


class RedisLags:
    """Windows in Redis through :class:`RedisLagStore`: any number of replicas, no local state.

    Redis errors propagate (the app answers 503); nothing falls back to memory.
    """

    backend = "redis"

    def __init__(self, features: LagFeatures, store: RedisLagStore):
        self.features = features
        self.store = store

    async def add_many(self, items: list[Item]) -> list[dict]:
        if len(items) == 1:
            applied = [await self.store.apply(*items[0])]
        else:
            applied = await self.store.apply_many(items)
        return [self.features.answer(a) for a in applied]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        return await self.store.window(series_id)

    async def series_count(self) -> int:
        return await self.store.series_count()

    async def reset(self, series_id: str | None) -> None:
        await self.store.reset(series_id)

    async def ping(self) -> None:
        await self.store.client.ping()

    async def close(self) -> None:
        await self.store.client.aclose()
