"""A one-line progress bar on stderr, shown only when stderr is a terminal."""

import sys
import time


class Progress:
    """Redraws at most ten times a second, and once more at the end; silent off a terminal.

    ``total`` is what the run expects to process (``None`` when unknown: a count is shown).
    """

    def __init__(self, total: int | None, stream=sys.stderr):
        self.total = total
        self.stream = stream
        self.enabled = stream.isatty()
        self.start = time.perf_counter()
        self.last = 0.0
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.perf_counter()
        if self.enabled and now - self.last >= 0.1:
            self.last = now
            self._draw(now)

    def close(self) -> None:
        if self.enabled and self.done:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-9)
        if self.total:
            filled = min(30, int(30 * self.done / self.total))
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
        else:
            line = f"{self.done} observations"
        self.stream.write(f"\r{line}  {rate:,.0f} obs/s ")
        self.stream.flush()
