"""Streams in Redis: one Redis stream per stream, one consumer group handing it out.

The Redis stream's entry ``0-i`` is observation ``i`` (the data set's entries are empty: its rows
come from the file every replica reads; a live stream's entries hold the observation as JSON).
Pending entries of the group are the leases: ``XAUTOCLAIM`` hands out those idle longer than the
lease, ``XREADGROUP`` new ones, ``XACK`` ends a lease, and ``XCLAIM`` re-leases a retried take's
entries. Each operation is one Lua script, so any number of replicas share the streams.
"""

from typing import TYPE_CHECKING

import orjson

from services.ingestion.dataset import Dataset
from services.ingestion.streams import (
    DEFAULT_CONSUMER,
    DEFAULT_STREAM,
    ReadOnlyStream,
    StreamStatus,
    Taken,
    UnknownStream,
    observation,
)

if TYPE_CHECKING:  # the client comes from whoever builds this, only with REDIS_URL
    from redis.asyncio import Redis

GROUP = "consumers"
FILL_CHUNK = 5000

# The group's cursor: how many entries it handed out at least once.
CURSOR = """
local function cursor(stream, group)
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f['name'] == group then
      return tonumber(string.match(f['last-delivered-id'], '-(%d+)$'))
    end
  end
  return 0
end
local function ids(entries)
  local out = {}
  for i, e in ipairs(entries) do out[i] = e[1] end
  return out
end
"""

# KEYS: stream, key record ('' when none). ARGV: group, consumer, n, lease ms.
TAKE = (
    CURSOR
    + """
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local n, lease = tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', stream) == 0 then return false end
local got = {}
local saved = KEYS[2] ~= '' and redis.call('GET', KEYS[2])
if saved then
  local old = cjson.decode(saved)
  if #old > 0 then got = redis.call('XCLAIM', stream, group, consumer, 0, unpack(old)) end
else
  local start = '0-0'
  repeat
    local r = redis.call('XAUTOCLAIM', stream, group, consumer, lease, start, 'COUNT', n - #got)
    for _, e in ipairs(r[2]) do got[#got + 1] = e end
    start = r[1]
  until start == '0-0' or #got >= n
  if #got < n then
    local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n - #got,
                         'STREAMS', stream, '>')
    if r then for _, e in ipairs(r[1][2]) do got[#got + 1] = e end end
  end
end
if KEYS[2] ~= '' and #got > 0 then
  redis.call('SET', KEYS[2], cjson.encode(ids(got)), 'PX', lease)
end
return {cursor(stream, group), redis.call('XLEN', stream), got}
"""
)

# KEYS: stream. ARGV: group, consumer, lease ms. Makes the consumer's leases idle for a lease
# (false: no such stream).
RELEASE = """
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
if redis.call('EXISTS', stream) == 0 then return false end
local pending = redis.call('XPENDING', stream, group, '-', '+', 1000000000, consumer)
for first = 1, #pending, 1000 do
  local args = {'XCLAIM', stream, group, consumer, 0}
  for i = first, math.min(first + 999, #pending) do args[#args + 1] = pending[i][1] end
  args[#args + 1] = 'IDLE'
  args[#args + 1] = ARGV[3]
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
end
return #pending
"""

# KEYS: stream. ARGV: group, total, chunk. Adds the data set's next entries, creates the group.
FILL = """
local length = redis.call('XLEN', KEYS[1])
local stop = math.min(length + tonumber(ARGV[3]), tonumber(ARGV[2]))
for i = length + 1, stop do redis.call('XADD', KEYS[1], '0-' .. i, 'o', '') end
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0')
return stop
"""

# KEYS: stream, names set. ARGV: group, stream name, observations as JSON...
APPEND = """
local length = redis.call('XLEN', KEYS[1])
for i = 3, #ARGV do redis.call('XADD', KEYS[1], '0-' .. (length + i - 2), 'o', ARGV[i]) end
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0')
redis.call('SADD', KEYS[2], ARGV[2])
return length + #ARGV - 2
"""

# KEYS: stream. ARGV: group. Forgets every lease and acknowledgement.
RESET = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0')
return redis.call('XLEN', KEYS[1])
"""


def _seq(entry_id: bytes) -> int:
    return int(entry_id.rsplit(b"-", 1)[1])


class RedisStreams:
    """Streams in Redis under ``prefix``; call :meth:`open` before use."""

    backend = "redis"

    def __init__(
        self, dataset: Dataset, client: "Redis", prefix: str = "ingestion", lease_seconds=30.0
    ):
        self.dataset = dataset
        self.client = client
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.lease_ms = max(1, round(lease_seconds * 1000))
        self._scripts = {
            name: client.register_script(body)
            for name, body in (
                ("take", TAKE),
                ("release", RELEASE),
                ("fill", FILL),
                ("append", APPEND),
                ("reset", RESET),
            )
        }

    def _key(self, stream: str) -> str:
        if stream == DEFAULT_STREAM:
            return f"{self.prefix}:stream:dataset:{self.dataset.fingerprint}"
        return f"{self.prefix}:stream:live:{stream}"

    async def open(self) -> None:
        """Put the data set's entries in its Redis stream (once, shared by every replica)."""
        key, total, stop = self._key(DEFAULT_STREAM), len(self.dataset.rows), -1
        while stop < total:
            stop = await self._scripts["fill"](keys=[key], args=[GROUP, total, FILL_CHUNK])

    async def take(self, stream: str, n: int, consumer: str = DEFAULT_CONSUMER, key=None) -> Taken:
        stream_key = self._key(stream)
        record = f"{self.prefix}:key:{stream}:{key}" if key else ""
        args = [GROUP, consumer, n, self.lease_ms]
        answer = await self._scripts["take"](keys=[stream_key, record], args=args)
        if answer is None and stream == DEFAULT_STREAM:  # the data set's entries were lost
            await self.open()
            answer = await self._scripts["take"](keys=[stream_key, record], args=args)
        if answer is None:
            raise UnknownStream(stream)
        cursor, length, entries = answer
        return Taken([self._observation(stream, entry) for entry in entries], length - cursor)

    def _observation(self, stream: str, entry):
        i = _seq(entry[0])
        if stream == DEFAULT_STREAM:
            return observation(stream, i, self.dataset.rows[i - 1])
        return observation(stream, i, orjson.loads(entry[1][1]))

    async def ack(self, stream: str, ids) -> int:
        key = self._key(stream)
        acked = await self.client.xack(key, GROUP, *(f"0-{i}" for i in ids)) if ids else 0
        if not acked and stream != DEFAULT_STREAM and not await self.client.exists(key):
            raise UnknownStream(stream)
        return acked

    async def release(self, stream: str, consumer: str) -> int:
        args = [GROUP, consumer, self.lease_ms]
        released = await self._scripts["release"](keys=[self._key(stream)], args=args)
        if released is None:
            raise UnknownStream(stream)
        return released

    async def append(self, stream: str, items: list) -> list[int]:
        if stream == DEFAULT_STREAM:
            raise ReadOnlyStream(stream)
        keys = [self._key(stream), f"{self.prefix}:streams"]
        args = [GROUP, stream, *(orjson.dumps(item) for item in items)]
        length = await self._scripts["append"](keys=keys, args=args)
        return list(range(length - len(items) + 1, length + 1))

    async def reset(self, stream: str) -> StreamStatus:
        if await self._scripts["reset"](keys=[self._key(stream)], args=[GROUP]) is None:
            if stream != DEFAULT_STREAM:
                raise UnknownStream(stream)
            await self.open()
        return await self.status(stream)

    async def status(self, stream: str) -> StreamStatus:
        from redis.exceptions import ResponseError  # loaded already: the client imported it

        key = self._key(stream)
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.xlen(key)
            pipe.xinfo_groups(key)
            pipe.xpending_range(key, GROUP, "-", "+", 1_000_000_000, idle=self.lease_ms)
            pipe.xinfo_consumers(key, GROUP)
            try:
                length, groups, expired, consumers = await pipe.execute()
            except ResponseError as exc:  # a live stream nothing was appended to
                if "no such key" in str(exc).lower() and stream != DEFAULT_STREAM:
                    raise UnknownStream(stream) from None
                raise
        group = next(g for g in groups if g["name"] == GROUP.encode())
        served = _seq(group["last-delivered-id"])
        held = {c["name"].decode(): c["pending"] for c in consumers if c["pending"]}
        return StreamStatus(stream, length, served, group["pending"], len(expired), held)

    async def live_streams(self) -> list[str]:
        return sorted(s.decode() for s in await self.client.smembers(f"{self.prefix}:streams"))

    async def close(self) -> None:
        await self.client.aclose()
