"""Windows in Redis, shared by every replica; read-then-append is one Lua script."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the client is the caller's: importing redis costs every service start-up
    from redis.asyncio import Redis

from libs.lag_features.store import (
    DEDUP_WINDOW,
    Applied,
    Item,
    ObservationConflict,
    SeasonConflict,
)

# KEYS: series set, then per item: window list, answers hash, answer-order list, season.
# ARGV: capacity, dedup window, then per item: value, observation_id ('' for none), series id,
# season ('' for none). Values travel as Python's shortest round-trip float repr, never through
# Lua arithmetic, so they come back bit-identical; they are compared as numbers (so 0.0 retries
# -0.0, as in Python). An answer is "value prev1 prev2 ...". Every item is checked for a reused
# id and for another season than its series has before anything is written: a conflict returns
# {-1, index, first answer} or {-2, index, season} and changes nothing. A reply is
# {duplicate, answer, season ('' for none)}.
APPLY = """
local capacity, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = (#ARGV - 2) / 4
local batch, seasons = {}, {}
for i = 1, n do
  local value, oid, season = ARGV[4 * i - 1], ARGV[4 * i], ARGV[4 * i + 2]
  if oid ~= '' then
    local key = KEYS[4 * i - 1] .. ' ' .. oid
    local first = batch[key]
    if not first then
      first = redis.call('HGET', KEYS[4 * i - 1], oid) or value
      batch[key] = first
    end
    if tonumber(string.match(first, '^%S+')) ~= tonumber(value) then return {-1, i - 1, first} end
  end
  if season ~= '' then
    local skey = KEYS[4 * i + 1]
    local known = seasons[skey]
    if not known then
      known = redis.call('GET', skey) or season
      seasons[skey] = known
    end
    if known ~= season then return {-2, i - 1, known} end
  end
end
local replies = {}
for i = 1, n do
  local value, oid, sid, season = ARGV[4 * i - 1], ARGV[4 * i], ARGV[4 * i + 1], ARGV[4 * i + 2]
  local wkey, akey, okey, skey = KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i], KEYS[4 * i + 1]
  local first = false
  if oid ~= '' then first = redis.call('HGET', akey, oid) end
  if season ~= '' then redis.call('SET', skey, season, 'NX') end
  local known = redis.call('GET', skey) or ''
  if first then
    replies[i] = {1, first, known}
  else
    local previous = redis.call('LRANGE', wkey, 0, capacity - 1)
    redis.call('LPUSH', wkey, value)
    redis.call('LTRIM', wkey, 0, capacity - 1)
    redis.call('SADD', KEYS[1], sid)
    local answer = value
    if #previous > 0 then answer = answer .. ' ' .. table.concat(previous, ' ') end
    if oid ~= '' then
      redis.call('HSET', akey, oid, answer)
      if redis.call('RPUSH', okey, oid) > window then
        redis.call('HDEL', akey, redis.call('LPOP', okey))
      end
    end
    replies[i] = {0, answer, known}
  end
end
return {0, replies}
"""

# KEYS: series set. ARGV: key prefix, series id ('' for every series).
RESET = """
local series = redis.call('SMEMBERS', KEYS[1])
if ARGV[2] ~= '' then series = {ARGV[2]} end
for _, s in ipairs(series) do
  local base = ARGV[1] .. ':{' .. s .. '}:'
  redis.call('DEL', base .. 'window', base .. 'answers', base .. 'order', base .. 'season')
  redis.call('SREM', KEYS[1], s)
end
return #series
"""


class RedisLagStore:
    """An :class:`~libs.lag_features.AsyncLagStore` over ``redis.asyncio``.

    Each series lives under ``{prefix}:{<series>}:*`` (a list of its last ``capacity`` values, a
    hash of remembered answers and their order, its ``season`` once a request gave one);
    ``{prefix}:series`` names every series. A call
    to :meth:`apply` or :meth:`apply_many` is one Lua script: every item is checked for a reused
    ``observation_id`` (:class:`~libs.lag_features.ObservationConflict`) and for another season
    than its series has (:class:`~libs.lag_features.SeasonConflict`) first, nothing written,
    then applied in order. Redis errors propagate unchanged
    (``redis.exceptions.ConnectionError`` when it is down), so the caller decides; nothing falls
    back to memory. One script touches several series' keys: one Redis, not Redis Cluster.

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
        client: "Redis",
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
        self,
        series_id: str,
        value: float,
        observation_id: int | None = None,
        season: int | None = None,
    ) -> Applied:
        """Read the window of ``series_id``, then store ``value``, atomically."""
        return (await self.apply_many([(series_id, value, observation_id, season)]))[0]

    async def apply_many(self, items: Sequence[Item]) -> list[Applied]:
        """Apply ``(series_id, value, observation_id[, season])`` items in order, in one script:
        all of them, or none when one conflicts or the connection fails."""
        keys = [f"{self.prefix}:series"]
        args = [self.capacity, self.dedup_window]
        for series_id, value, observation_id, *season in items:
            keys += [self._key(series_id, p) for p in ("window", "answers", "order", "season")]
            oid = "" if observation_id is None else str(observation_id)
            given = "" if not season or season[0] is None else str(season[0])
            args += [repr(float(value)), oid, series_id, given]
        status, *reply = await self._apply(keys=keys, args=args)
        if status == -2:
            index, known = reply
            raise SeasonConflict(items[index][0], int(known), items[index][3], index)
        if status < 0:
            index, first = reply
            series_id, value, oid = items[index][:3]
            first = float(_text(first).split(" ", 1)[0])
            raise ObservationConflict.other_value(series_id, oid, first, float(value), index)
        return [_applied(i[0], i[2], r) for i, r in zip(items, reply[0], strict=True)]

    async def window(self, series_id: str) -> tuple[float, ...] | None:
        values = await self.client.lrange(self._key(series_id, "window"), 0, self.capacity - 1)
        return tuple(float(v) for v in values) if values else None

    async def season(self, series_id: str) -> int | None:
        """The season a request gave the series, or ``None``."""
        season = await self.client.get(self._key(series_id, "season"))
        return None if season is None else int(season)

    async def series_count(self) -> int:
        return await self.client.scard(f"{self.prefix}:series")

    async def reset(self, series_id: str | None = None) -> None:
        """Forget one series, or every series when ``series_id`` is None."""
        await self._reset(keys=[f"{self.prefix}:series"], args=[self.prefix, series_id or ""])

    def _key(self, series_id: str, part: str) -> str:
        return f"{self.prefix}:{{{series_id}}}:{part}"


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _applied(series_id: str, observation_id: int | None, reply) -> Applied:
    duplicate, answer, season = reply
    value, *previous = (float(v) for v in _text(answer).split(" "))
    season = int(season) if season else None
    return Applied(series_id, value, tuple(previous), observation_id, bool(duplicate), season)
