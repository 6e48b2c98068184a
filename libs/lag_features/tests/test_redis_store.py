import asyncio

import pytest
import redis.asyncio as aioredis
from hypothesis import given, settings
from hypothesis import strategies as st

from libs.lag_features import LagFeatures, MemoryLagStore, ObservationConflict, RedisLagStore

values = st.floats(allow_nan=False, allow_infinity=False, width=64)
steps = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), values, st.none() | st.integers(0, 5)),
    max_size=30,
)


@pytest.fixture(scope="module")
def url(redis_server):
    """Module-scoped (hypothesis runs many examples per test); ``run`` empties it each time."""
    return redis_server.url


def run(coro_fn, url):
    async def main():
        client = aioredis.Redis.from_url(url)
        try:
            await client.flushdb()
            return await coro_fn(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def outcome(call, *args):
    """The answer, or the conflict's (series, id, first value, index) when refused."""
    try:
        return call(*args)
    except ObservationConflict as exc:
        return ("conflict", exc.series_id, exc.observation_id, exc.first, exc.index)


async def async_outcome(call, *args):
    try:
        return await call(*args)
    except ObservationConflict as exc:
        return ("conflict", exc.series_id, exc.observation_id, exc.first, exc.index)


@settings(max_examples=40, deadline=None)
@given(steps=steps, batched=st.booleans())
def test_redis_store_answers_exactly_like_the_memory_store(url, steps, batched):
    memory = MemoryLagStore(capacity=3, dedup_window=4)
    half = len(steps) // 2
    if batched:
        expected = [outcome(memory.apply_many, steps[:half]), outcome(memory.apply_many, steps)]
        expected.append(memory.window("a"))
    else:
        expected = [outcome(memory.apply, *step) for step in steps]

    async def go(client):
        store = RedisLagStore(client, capacity=3, dedup_window=4)
        if batched:
            answers = [
                await async_outcome(store.apply_many, steps[:half]),
                await async_outcome(store.apply_many, steps),
            ]
            return [*answers, await store.window("a")]
        return [await async_outcome(store.apply, *step) for step in steps]

    assert run(go, url) == expected


def test_reused_id_with_another_value_is_refused_in_redis_and_the_batch_stores_nothing(
    url,
):
    async def go(client):
        store = RedisLagStore(client, capacity=3)
        await store.apply("s", 1.0, observation_id=1)
        single = await async_outcome(store.apply, "s", 2.0, 1)
        batch = await async_outcome(store.apply_many, [("s", 5.0, 2), ("s", 6.0, 2)])
        return single, batch, await store.window("s"), await store.apply("s", 1.0, 1)

    single, batch, window, retry = run(go, url)
    assert single == ("conflict", "s", 1, 1.0, 0)
    assert batch == ("conflict", "s", 2, 5.0, 1)
    assert window == (1.0,)
    assert retry.duplicate is True and retry.value == 1.0


def test_concurrent_adds_from_many_clients_each_read_a_distinct_consistent_window(url):
    async def go(client):
        clients = [aioredis.Redis.from_url(url) for _ in range(4)]
        stores = [RedisLagStore(c, capacity=2) for c in clients]
        applied = await asyncio.gather(*(stores[i % 4].apply("s", float(i)) for i in range(200)))
        for c in clients:
            await c.aclose()
        return applied, await stores[0].window("s")

    applied, window = run(go, url)
    by_previous = {a.previous[0]: a.value for a in applied if a.previous}
    assert len(by_previous) == 199  # every value was somebody's in_1 exactly once, but the last
    assert sorted(a.value for a in applied) == [float(i) for i in range(200)]
    assert window[0] not in by_previous


def test_lag_features_work_on_windows_the_redis_store_returns(url):
    async def go(client):
        store = RedisLagStore(client, capacity=12)
        lags = LagFeatures(n_lags=12, store=MemoryLagStore(12))
        for y in (112, 118, 132):
            answer = lags.answer(await store.apply("default", float(y), observation_id=y))
        again = lags.answer(await store.apply("default", 132.0, observation_id=132))
        return answer, again, await store.window("default"), await store.series_count()

    answer, again, window, count = run(go, url)
    assert answer["features"]["in_1"] == 118.0 and answer["available_lags"] == 2
    assert again == {**answer, "duplicate": True}
    assert (window, count) == ((132.0, 118.0, 112.0), 1)


def test_reset_forgets_series_in_redis(url):
    async def go(client):
        store = RedisLagStore(client, capacity=2)
        await store.apply("a", 1.0, observation_id=1)
        await store.apply("b", 2.0)
        await store.reset("a")
        one = (await store.window("a"), await store.window("b"), await store.series_count())
        await store.reset()
        return one, await store.series_count(), await client.dbsize()

    assert run(go, url) == ((None, (2.0,), 1), 0, 0)
