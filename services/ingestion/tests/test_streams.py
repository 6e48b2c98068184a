import asyncio

from services.ingestion.dataset import load_dataset
from services.ingestion.streams import LocalStreams


def test_changes_after_a_snapshot_survive_a_crash_that_skips_the_next_one(tmp_path):
    dataset = load_dataset()

    async def ids(streams: LocalStreams, n: int) -> list[int]:
        return [o.observation_id for o in (await streams.take("default", n)).observations]

    async def go():
        clean = LocalStreams(dataset, tmp_path, fsync=False, snapshot_every=10_000)
        first = await ids(clean, 2)
        await clean.close()  # snapshot: the journal starts afresh
        crashed = LocalStreams(dataset, tmp_path, fsync=False, snapshot_every=10_000)
        second = await ids(crashed, 2)
        await crashed.append("live", [["a", 1.0, None]])  # no close(): as after kill -9
        after = LocalStreams(dataset, tmp_path, fsync=False, snapshot_every=10_000)
        live = (await after.take("live", 5)).observations
        return first, second, await ids(after, 1), live

    first, second, third, live = asyncio.run(go())
    assert (first, second, third) == ([1, 2], [3, 4], [5])
    assert [(o.observation_id, o.input, o.series_id) for o in live] == [(1, "a", "live")]
