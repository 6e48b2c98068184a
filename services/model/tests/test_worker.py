"""Where learner code runs: on the loop when the thread is idle and writes are short, else in
order on the learner thread."""

import asyncio
import threading
import time

from services.model.worker import INLINE_SECONDS, LearnerThread


def where() -> str:
    return threading.current_thread().name


async def started() -> LearnerThread:
    worker = LearnerThread(max_pending=100)
    worker.start()
    return worker


def test_a_short_single_write_on_an_idle_thread_runs_on_the_loop():
    async def scenario():
        worker = await started()
        try:
            return [await worker.write(where) for _ in range(5)]
        finally:
            await worker.stop()

    assert asyncio.run(scenario()) == ["MainThread"] * 5


def test_a_write_arriving_during_a_batch_waits_for_it_on_the_thread():
    async def scenario():
        worker, order = await started(), []
        release = threading.Event()

        def batch():
            release.wait(timeout=60)
            order.append("batch")
            return where()

        def single():
            order.append("single")
            return where()

        try:
            first = asyncio.ensure_future(worker.write(batch, items=2))
            await asyncio.sleep(0)  # the batch is queued
            second = asyncio.ensure_future(worker.write(single))
            await asyncio.sleep(0)
            release.set()
            return await first, await second, order
        finally:
            await worker.stop()

    batch_thread, single_thread, order = asyncio.run(scenario())
    assert (batch_thread, single_thread) == ("learner", "learner")
    assert order == ["batch", "single"]


def test_single_writes_that_take_long_go_to_the_thread():
    def slow():
        time.sleep(5 * INLINE_SECONDS)
        return where()

    async def scenario():
        worker = await started()
        try:
            return [await worker.write(slow) for _ in range(30)]
        finally:
            await worker.stop()

    threads = asyncio.run(scenario())
    assert threads[0] == "MainThread"  # nothing measured yet
    assert threads[-5:] == ["learner"] * 5  # the average passed INLINE_SECONDS


def test_an_error_on_the_loop_reaches_the_caller_and_frees_the_learner():
    def fail():
        raise ValueError("bad record")

    async def scenario():
        worker = await started()
        try:
            try:
                await worker.write(fail)
            except ValueError as exc:
                error = str(exc)
            return error, await worker.write(where, items=2)
        finally:
            await worker.stop()

    assert asyncio.run(scenario()) == ("bad record", "learner")
