"""Streams and their cursors: the replayed data set (``default``) and live streams.

Every observation is handed out once: taking advances the stream's cursor in the same step that
reads the observations. Two backends offer the same coroutines:

- :class:`LocalStreams`, in the process, made durable by a journal record per change (a kill -9
  and restart neither rewinds the cursor nor loses a live observation); one replica only;
- :class:`RedisStreams`, cursors and live observations in Redis, advanced by a Lua script, so any
  number of replicas share them.
"""

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import orjson

if TYPE_CHECKING:  # imported by whoever builds the client, only with REDIS_URL
    from redis.asyncio import Redis

from libs.journal import DurableState
from services.ingestion.dataset import Dataset

DEFAULT_STREAM = "default"


class Observation(NamedTuple):
    observation_id: int
    input: str
    target: int | float
    series_id: str | None


class UnknownStream(LookupError):
    """No live stream of that name has received observations."""


class ReadOnlyStream(Exception):
    """The data set's stream cannot be appended to."""


class Taken(NamedTuple):
    observations: list[Observation]
    remaining: int


class StreamStatus(NamedTuple):
    stream: str
    total: int
    served: int


def _live(stream: str, first_id: int, items: list) -> list[Observation]:
    """Live observations without a ``series_id`` belong to the series named like the stream."""
    return [
        Observation(first_id + i, inp, target, sid or stream)
        for i, (inp, target, sid) in enumerate(items)
    ]


class LocalStreams:
    """In-process streams, journalled in ``state_dir`` and snapshotted every ``snapshot_every``.

    Every change is journalled before it is made, so a failed journal write changes nothing.
    """

    backend = "memory"

    def __init__(self, dataset: Dataset, state_dir: Path, fsync: bool, snapshot_every: int):
        self.dataset = dataset
        self.cursors: dict[str, int] = {}
        self.live: dict[str, list] = {}
        self.durable = DurableState(
            state_dir,
            "ingestion",
            lambda: {"cursors": self.cursors, "live": self.live},
            fsync=fsync,
            every=snapshot_every,
        )
        try:
            self._restore()
        except BaseException:
            self.durable.journal.close()
            raise

    def _restore(self) -> None:
        saved, changes = self.durable.restore()
        if saved is not None:
            self.cursors, self.live = saved["cursors"], saved["live"]
        for change in changes:
            self._redo(change)

    def _redo(self, change: dict) -> None:
        if "c" in change:
            key, cursor = change["c"]
            self.cursors[key] = cursor
        else:
            stream, items = change["a"]
            self.live.setdefault(stream, []).extend(items)

    def _change(self, change: dict) -> None:
        """Journal a change, then make it."""
        self.durable.log(change)
        self._redo(change)

    def _source(self, stream: str) -> tuple[str, list | tuple]:
        if stream == DEFAULT_STREAM:
            return f"dataset:{self.dataset.fingerprint}", self.dataset.rows
        if stream not in self.live:
            raise UnknownStream(stream)
        return f"live:{stream}", self.live[stream]

    async def take(self, stream: str, n: int) -> Taken:
        key, source = self._source(stream)
        start = self.cursors.get(key, 0)
        stop = min(start + n, len(source))
        if stop <= start:
            return Taken([], max(len(source) - start, 0))
        self._change({"c": [key, stop]})
        items = source[start:stop]
        if stream == DEFAULT_STREAM:
            observations = [Observation(start + 1 + i, *row) for i, row in enumerate(items)]
        else:
            observations = _live(stream, start + 1, items)
        return Taken(observations, len(source) - stop)

    async def append(self, stream: str, items: list) -> list[int]:
        if stream == DEFAULT_STREAM:
            raise ReadOnlyStream(stream)
        first = len(self.live.get(stream, ())) + 1
        self._change({"a": [stream, items]})
        return list(range(first, first + len(items)))

    async def reset(self, stream: str) -> StreamStatus:
        key, source = self._source(stream)
        self._change({"c": [key, 0]})
        return StreamStatus(stream, len(source), 0)

    async def status(self, stream: str) -> StreamStatus:
        key, source = self._source(stream)
        return StreamStatus(stream, len(source), min(self.cursors.get(key, 0), len(source)))

    async def live_streams(self) -> list[str]:
        return sorted(self.live)

    async def close(self) -> None:
        await self.durable.close()


# KEYS: cursor, live list ('' side unused for the data set). ARGV: size (-1: the list's length), n.
TAKE = """
local size = tonumber(ARGV[1])
local live = size < 0
if live then size = redis.call('LLEN', KEYS[2]) end
local start = tonumber(redis.call('GET', KEYS[1]) or '0')
local stop = math.min(start + tonumber(ARGV[2]), size)
if stop <= start then return {start, size, {}} end
redis.call('SET', KEYS[1], stop)
if live then return {start, size, redis.call('LRANGE', KEYS[2], start, stop - 1)} end
return {start, size, {}}
"""


class RedisStreams:
    """Streams in Redis under ``prefix``: cursors as integers, live observations as lists."""

    backend = "redis"

    def __init__(self, dataset: Dataset, client: "Redis", prefix: str = "ingestion"):
        self.dataset = dataset
        self.client = client
        self.prefix = prefix
        self._take = client.register_script(TAKE)

    def _keys(self, stream: str) -> tuple[str, str]:
        if stream == DEFAULT_STREAM:
            return f"{self.prefix}:cursor:dataset:{self.dataset.fingerprint}", self._list(stream)
        return f"{self.prefix}:cursor:live:{stream}", self._list(stream)

    def _list(self, stream: str) -> str:
        return f"{self.prefix}:live:{stream}"

    async def take(self, stream: str, n: int) -> Taken:
        dataset = stream == DEFAULT_STREAM
        size = len(self.dataset.rows) if dataset else -1
        start, size, raw = await self._take(keys=self._keys(stream), args=[size, n])
        if not dataset and size == 0:
            raise UnknownStream(stream)
        stop = max(min(start + n, size), start)
        if dataset:
            rows = self.dataset.rows[start:stop]
            observations = [Observation(start + 1 + i, *row) for i, row in enumerate(rows)]
        else:
            observations = _live(stream, start + 1, [orjson.loads(item) for item in raw])
        return Taken(observations, max(size - stop, 0))

    async def append(self, stream: str, items: list) -> list[int]:
        if stream == DEFAULT_STREAM:
            raise ReadOnlyStream(stream)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(self._list(stream), *(orjson.dumps(item) for item in items))
            pipe.sadd(f"{self.prefix}:streams", stream)
            length, _ = await pipe.execute()
        return list(range(length - len(items) + 1, length + 1))

    async def reset(self, stream: str) -> StreamStatus:
        status = await self.status(stream)
        await self.client.set(self._keys(stream)[0], 0)
        return status._replace(served=0)

    async def status(self, stream: str) -> StreamStatus:
        cursor_key, list_key = self._keys(stream)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.get(cursor_key)
            pipe.llen(list_key)
            cursor, length = await pipe.execute()
        total = len(self.dataset.rows) if stream == DEFAULT_STREAM else length
        if total == 0 and stream != DEFAULT_STREAM:
            raise UnknownStream(stream)
        return StreamStatus(stream, total, min(int(cursor or 0), total))

    async def live_streams(self) -> list[str]:
        return sorted(s.decode() for s in await self.client.smembers(f"{self.prefix}:streams"))

    async def close(self) -> None:
        await self.client.aclose()
