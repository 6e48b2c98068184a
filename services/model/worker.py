"""The learner thread: the one thread that touches the models, fed by a queue.

River models are not thread-safe, and learning a large batch takes seconds: run on the event
loop it would leave ``/healthz`` and every other client unanswered. Every call that reads or
changes the learner runs here instead, one at a time, in order, while the event loop keeps
answering. Writes wait in a FIFO queue bounded by the items of work it holds (beyond it
:class:`Overloaded`, a 503 with ``Retry-After``, at once); reads jump the queue and are also
served between the items of a batch (:meth:`LearnerThread.serve_reads`), so a prediction waits
for one item, not for a whole batch.

A single-item write that finds the thread idle runs on the event loop instead, under the same
lock: handing it to the thread and back costs two thread wake-ups, more than learning one
observation with a light model. Only while such writes stay short (:data:`INLINE_SECONDS`,
a moving average over every single-item write, wherever it ran): a line-up that takes longer
per observation keeps the loop free by going through the thread.
"""

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_WAKE, _STOP = object(), object()
INLINE_SECONDS = 0.001
"""A single-item write runs on the event loop when the thread is idle and such writes have
lately taken less than this (moving average)."""


class Overloaded(RuntimeError):
    """The queue holds more work than the bound: come back later."""

    def __init__(self, pending: int, bound: int):
        self.pending, self.bound = pending, bound
        super().__init__(
            f"the learner queue holds {pending} items of work, over its bound of {bound} "
            "(LEARNER_QUEUE_ITEMS): retry later"
        )


class LearnerThread:
    """Runs functions on one thread; ``await`` their results from the event loop.

    Until :meth:`start` (and after :meth:`stop`) calls run inline, on the caller's thread:
    what tests and start-up replay do, single-threaded.

    Parameters
    ----------
    max_pending
        Items of work (a batch counts its items) the write queue may hold; a write that would
        pass it while the queue is not empty raises :class:`Overloaded`.

    Examples
    --------
    A batch runs on the thread; a short single-item write finding it idle runs on the loop.

    >>> import asyncio, threading
    >>> async def demo():
    ...     worker = LearnerThread(max_pending=10)
    ...     worker.start()
    ...     where = lambda: threading.current_thread().name
    ...     names = [await worker.write(where, items=2), await worker.write(where)]
    ...     await worker.stop()
    ...     return names
    >>> asyncio.run(demo())
    ['learner', 'MainThread']
    """

    def __init__(self, max_pending: int):
        self.max_pending = max_pending
        self.pending = 0
        self.single_seconds = 0.0  # moving average of a single-item write's duration
        self._inflight = 0  # jobs handed to the thread and not yet settled (loop only)
        self._lock = threading.RLock()  # held by whoever runs learner code (reads nest in a batch)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._reads: deque = deque()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the thread (call from the event loop)."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="learner", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Finish the queued work, then stop the thread."""
        if self._thread is not None:
            self._jobs.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    async def write(self, function: Callable[[], Any], items: int = 1) -> Any:
        """Queue a change of ``items`` items of work behind the others; its result."""
        if self._thread is None:
            return function()
        if self.pending and self.pending + items > self.max_pending:
            raise Overloaded(self.pending, self.max_pending)
        if (
            items == 1
            and not self._inflight
            and self.single_seconds < INLINE_SECONDS
            and self._lock.acquire(blocking=False)
        ):
            try:
                return self._timed(function, items)
            finally:
                self._lock.release()
        return await self._submit(self._jobs.put, function, items)

    async def call(self, function: Callable[[], Any]) -> Any:
        """Queue ``function`` behind the writes, outside the bound (snapshots)."""
        if self._thread is None:
            return function()
        return await self._submit(self._jobs.put, function, 0)

    async def read(self, function: Callable[[], Any]) -> Any:
        """Run a query ahead of queued writes, at the next item boundary."""
        if self._thread is None:
            return function()

        def put(job):
            self._reads.append(job)
            self._jobs.put(_WAKE)

        return await self._submit(put, function, 0)

    def serve_reads(self) -> None:
        """Answer the queries waiting (called by the thread between items of work)."""
        while self._reads:
            self._execute(self._reads.popleft())

    async def _submit(self, put, function, items: int) -> Any:
        future = self._loop.create_future()
        self.pending += items
        self._inflight += 1
        put((function, future, items))
        return await future

    def _timed(self, function: Callable[[], Any], items: int) -> Any:
        if items != 1:
            return function()
        start = time.perf_counter()
        try:
            return function()
        finally:
            self.single_seconds += 0.1 * (time.perf_counter() - start - self.single_seconds)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            self.serve_reads()
            if job is _STOP:
                return
            if job is not _WAKE:
                self._execute(job)

    def _execute(self, job) -> None:
        function, future, items = job
        try:
            with self._lock:
                result, error = self._timed(function, items), None
        except BaseException as exc:  # handed to the awaiting request, which maps it
            result, error = None, exc
        self._loop.call_soon_threadsafe(self._settle, future, items, result, error)

    def _settle(self, future: asyncio.Future, items: int, result, error) -> None:
        self.pending -= items
        self._inflight -= 1
        if future.cancelled():
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
