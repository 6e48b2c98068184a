import asyncio

from libs.lag_features import LagFeatures, MemoryLagStore
from services.features.lags import LocalLags


def open_lags(path) -> LocalLags:
    return LocalLags(LagFeatures(3, store=MemoryLagStore(3)), path, False, 10_000)


def test_values_added_after_a_snapshot_survive_a_crash_that_skips_the_next_one(tmp_path):
    async def go():
        clean = open_lags(tmp_path)
        await clean.add_many([("s", 1.0, 1), ("s", 2.0, 2)])
        await clean.close()  # snapshot: the journal starts afresh
        crashed = open_lags(tmp_path)
        await crashed.add_many([("s", 3.0, 3)])  # no close(): as after kill -9
        after = open_lags(tmp_path)
        return await after.window("s"), (await after.add_many([("s", 0.0, 2)]))[0]

    window, retry = asyncio.run(go())
    assert window == (3.0, 2.0, 1.0)
    assert retry["duplicate"] is True and retry["target"] == 2.0
