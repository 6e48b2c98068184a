import asyncio
import os
import threading

import pytest

from libs.lag_features import LagFeatures, MemoryLagStore
from services.features.lags import LocalLags


def open_lags(path, snapshot_every: int = 10_000) -> LocalLags:
    return LocalLags(LagFeatures(3, store=MemoryLagStore(3)), path, False, snapshot_every, 1000)


def die(lags: LocalLags) -> None:
    """What kill -9 does to the state: descriptors closed, no snapshot."""
    lags.durable.journal.close()


def test_values_added_after_a_snapshot_survive_a_crash_that_skips_the_next_one(tmp_path):
    async def go():
        clean = open_lags(tmp_path)
        await clean.add_many([("s", 1.0, 1), ("s", 2.0, 2)])
        await clean.close()  # snapshot: the journal starts afresh
        crashed = open_lags(tmp_path)
        await crashed.add_many([("s", 3.0, 3)])
        die(crashed)
        after = open_lags(tmp_path)
        return await after.window("s"), (await after.add_many([("s", 2.0, 2)]))[0]

    window, retry = asyncio.run(go())
    assert window == (3.0, 2.0, 1.0)
    assert retry["duplicate"] is True and retry["target"] == 2.0


def test_a_failed_journal_write_changes_nothing_so_the_retry_is_applied(tmp_path):
    async def go():
        lags = open_lags(tmp_path)
        await lags.add_many([("s", 1.0, 1)])
        journal = lags.durable.journal
        saved = os.dup(journal._fd)
        full = os.open("/dev/full", os.O_WRONLY)
        os.dup2(full, journal._fd)  # the disk is full
        with pytest.raises(OSError):
            await lags.add_many([("s", 2.0, 2)])
        window = await lags.window("s")
        os.dup2(saved, journal._fd)
        retry = (await lags.add_many([("s", 2.0, 2)]))[0]
        die(lags)
        return window, retry, await open_lags(tmp_path).window("s")

    window, retry, restored = asyncio.run(go())
    assert window == (1.0,)
    assert retry["duplicate"] is False and retry["features"]["in_1"] == 1.0
    assert restored == (2.0, 1.0)


def test_snapshot_files_are_written_off_the_event_loop(tmp_path):
    """The snapshot's temporary file is a FIFO nobody reads yet: writing it blocks whichever
    thread does it. The loop must keep answering meanwhile."""
    os.mkfifo(tmp_path / ".features.snapshot.tmp")
    answered = threading.Event()
    reader_saw_answer = []

    def reader():
        reader_saw_answer.append(answered.wait(timeout=10))
        with open(tmp_path / ".features.snapshot.tmp", "rb") as fifo:
            fifo.read()  # the writer's fsync fails on a FIFO: that snapshot is logged and lost
        os.unlink(tmp_path / ".features.snapshot.tmp")

    async def go():
        lags = open_lags(tmp_path, snapshot_every=1)
        await lags.add_many([("s", 1.0, 1)])  # due: a snapshot starts
        await asyncio.sleep(0.05)
        second = await lags.add_many([("s", 2.0, 2)])
        answered.set()
        await asyncio.to_thread(thread.join)
        await lags.close()
        return second

    thread = threading.Thread(target=reader)
    thread.start()
    second = asyncio.run(go())
    assert reader_saw_answer == [True]
    assert second[0]["features"]["in_1"] == 1.0
    assert asyncio.run(open_lags(tmp_path).window("s")) == (2.0, 1.0)
