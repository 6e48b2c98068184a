"""A one-line progress bar on stderr, shown only when stderr is a terminal."""

import sys
import time


class Progress:
    """Redraws at most ten times a second; silent when not attached to a terminal."""

    def __init__(self, total: int | None, stream=sys.stderr):
        self.total = total
        self.stream = stream
        self.enabled = stream.isatty()
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        if self.total:
            filled = int(30 * done / self.total)
            bar = "#" * filled + "." * (30 - filled)
            line = f"[{bar}] {done}/{self.total}"
        else:
            line = f"{done} observations"
        self.stream.write(f"\r{line}  {rate:,.0f} obs/s ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.last:
            self.stream.write("\n")
            self.stream.flush()
