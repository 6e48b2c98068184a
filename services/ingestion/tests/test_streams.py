import asyncio
import os
import threading

import pytest

from services.ingestion.dataset import load_dataset
from services.ingestion.streams import LocalStreams

DATASET = load_dataset()


def open_streams(path, snapshot_every: int = 10_000) -> LocalStreams:
    return LocalStreams(DATASET, path, fsync=False, snapshot_every=snapshot_every)


async def ids(streams: LocalStreams, n: int) -> list[int]:
    return [o.observation_id for o in (await streams.take("default", n)).observations]


def die(streams: LocalStreams) -> None:
    """What kill -9 does to the state: descriptors closed, no snapshot."""
    streams.durable.journal.close()


def test_changes_after_a_snapshot_survive_a_crash_that_skips_the_next_one(tmp_path):
    async def go():
        clean = open_streams(tmp_path)
        first = await ids(clean, 2)
        await clean.close()  # snapshot: the journal starts afresh
        crashed = open_streams(tmp_path)
        second = await ids(crashed, 2)
        await crashed.append("live", [["a", 1.0, None]])
        die(crashed)
        after = open_streams(tmp_path)
        live = (await after.take("live", 5)).observations
        return first, second, await ids(after, 1), live

    first, second, third, live = asyncio.run(go())
    assert (first, second, third) == ([1, 2], [3, 4], [5])
    assert [(o.observation_id, o.input, o.series_id) for o in live] == [(1, "a", "live")]


def test_a_failed_journal_write_neither_moves_the_cursor_nor_appends(tmp_path):
    async def go():
        streams = open_streams(tmp_path)
        await ids(streams, 1)
        journal = streams.durable.journal
        saved = os.dup(journal._fd)
        os.dup2(os.open("/dev/full", os.O_WRONLY), journal._fd)  # the disk is full
        with pytest.raises(OSError):
            await streams.take("default", 1)
        with pytest.raises(OSError):
            await streams.append("live", [["a", 1.0, None]])
        status = await streams.status("default")
        live = await streams.live_streams()
        os.dup2(saved, journal._fd)
        return status.served, live, await ids(streams, 1)

    served, live, retried = asyncio.run(go())
    assert (served, live, retried) == (1, [], [2])


def test_snapshot_files_are_written_off_the_event_loop(tmp_path):
    """The snapshot's temporary file is a FIFO nobody reads yet: writing it blocks whichever
    thread does it. The loop must keep handing out observations meanwhile."""
    fifo_path = tmp_path / ".ingestion.snapshot.tmp"
    os.mkfifo(fifo_path)
    answered = threading.Event()
    reader_saw_answer = []

    def reader():
        reader_saw_answer.append(answered.wait(timeout=10))
        with open(fifo_path, "rb") as fifo:
            fifo.read()  # the writer's fsync fails on a FIFO: that snapshot is logged and lost
        os.unlink(fifo_path)

    thread = threading.Thread(target=reader)

    async def go():
        streams = open_streams(tmp_path, snapshot_every=1)
        await ids(streams, 1)  # due: a snapshot starts
        await asyncio.sleep(0.05)
        second = await ids(streams, 1)
        answered.set()
        await asyncio.to_thread(thread.join)
        await streams.close()
        return second

    thread.start()
    assert asyncio.run(go()) == [2]
    assert reader_saw_answer == [True]
    assert asyncio.run(ids(open_streams(tmp_path), 1)) == [3]
