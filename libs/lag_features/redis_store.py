"""Windows in Redis, shared by every replica; read-then-append is one Lua script."""

from collections.abc import Sequence

from redis.asyncio import Redis

from libs.lag_features.store import DEDUP_WINDOW, Applied

# KEYS: window list, answers hash, answer-order list, series set.
# ARGV: value, capacity, observation_id ('' for none), dedup window, series id.
# Values travel as Python's shortest round-trip float repr, never through Lua numbers, so they
# come back bit-identical. An answer is "value prev1 prev2 ...".
APPLY = """
local oid = ARGV[3]
if oid ~= '' then
  local first = redis.call('HGET', KEYS[2], oid)
  if first then return {1, first} end
end
local capacity = tonumber(ARGV[2])
local previous = redis.call('LRANGE', KEYS[1], 0, capacity - 1)
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, capacity - 1)
redis.call('SADD', KEYS[4], ARGV[5])
local answer = ARGV[1]
if #previous > 0 then answer = answer .. ' ' .. table.concat(previous, ' ') end
if oid ~= '' then
  redis.call('HSET', KEYS[2], oid, answer)
  if redis.call('RPUSH', KEYS[3], oid) > tonumber(ARGV[4]) then
    redis.call('HDEL', KEYS[2], redis.call('LPOP', KEYS[3]))
  end
end
return {0, answer}
"""

# KEYS: series set. ARGV: key prefix, series id ('' for every series).
RESET = """
local series = redis.call('SMEMBERS', KEYS[1])
if ARGV[2] ~= '' then series = {ARGV[2]} end
for _, s in ipairs(series) do
  local base = ARGV[1] .. ':{' .. s .. '}:'
  redis.call('DEL', base .. 'window', base .. 'answers', base .. 'order')
  redis.call('SREM', KEYS[1], s)
end
return #series
"""


class RedisLagStore:
    """The :class:`~libs.lag_features.LagStore` operations as coroutines over ``redis.asyncio``.

    Each series lives under ``{prefix}:{<series>}:*`` (a list of its last ``capacity`` values, a
    hash of remembered answers and their order); ``{prefix}:series`` names every series. Redis
    errors propagate unchanged (``redis.exceptions.ConnectionError`` when it is down), so the
    caller decides; nothing falls back to memory.

    Parameters
    ----------
    client
        A ``redis.asyncio.Redis``; responses are decoded here, so either setting works.
    capacity
        How many values each series keeps.
    dedup_window
        How many recent ``observation_id`` answers each series remembers.
    prefix
        Key prefix, so several deployments can share one Redis.
    """

    def __init__(
        self,
        client: Redis,
        capacity: int = 12,
        dedup_window: int = DEDUP_WINDOW,
        prefix: str = "lags",
    ):
        self.client = client
        self.capacity = capacity
        self.dedup_window = dedup_window
        self.prefix = prefix
        self._apply = client.register_script(APPLY)
        self._reset = client.register_script(RESET)

    async def apply(
        self, series_id: str, value: float, observation_id: int | None = None
    ) -> Applied:
        """Read the window of ``series_id``, then store ``value``, atomically."""
        reply = await self._apply(*self._call(series_id, value, observation_id))
        return _applied(series_id, observation_id, reply)

    async def apply_many(self, items: Sequence[tuple[str, float, int | None]]) -> list[Applied]:
        """Apply ``(series_id, value, observation_id)`` items in order, in one MULTI/EXEC.

        Either every item is applied or, if the connection fails before EXEC, none is.
        """
        async with self.client.pipeline(transaction=True) as pipe:
            for series_id, value, observation_id in items:
                keys, args = self._call(series_id, value, observation_id)
                await self._apply(keys, args, client=pipe)
            replies = await pipe.execute()
        return [_applied(s, o, r) for (s, _, o), r in zip(items, replies, strict=True)]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        values = await self.client.lrange(self._key(series_id, "window"), 0, self.capacity - 1)
        return tuple(float(v) for v in values) if values else None

    async def series_count(self) -> int:
        return await self.client.scard(f"{self.prefix}:series")

    async def reset(self, series_id: str | None = None) -> None:
        """Forget one series, or every series when ``series_id`` is None."""
        await self._reset(keys=[f"{self.prefix}:series"], args=[self.prefix, series_id or ""])

    def _key(self, series_id: str, part: str) -> str:
        return f"{self.prefix}:{{{series_id}}}:{part}"

    def _call(self, series_id: str, value: float, observation_id: int | None):
        keys = [
            self._key(series_id, "window"),
            self._key(series_id, "answers"),
            self._key(series_id, "order"),
            f"{self.prefix}:series",
        ]
        oid = "" if observation_id is None else str(observation_id)
        args = [repr(float(value)), self.capacity, oid, self.dedup_window, series_id]
        return keys, args


def _applied(series_id: str, observation_id: int | None, reply) -> Applied:
    duplicate, answer = reply
    if isinstance(answer, bytes):
        answer = answer.decode()
    value, *previous = (float(v) for v in answer.split(" "))
    return Applied(series_id, value, tuple(previous), observation_id, bool(duplicate))
