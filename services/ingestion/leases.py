"""Where one stream stands: its cursor, the observations out on lease, the takes' keys.

Positions below the cursor were handed out at least once; each is either acknowledged or on
lease to a consumer until a deadline. A take hands out expired leases first (lowest id first),
then positions from the cursor. Every change is computed by a ``plan_*`` method from the clock
and applied by :meth:`Leases.apply`, which is deterministic: the journal records the plan and a
restart replays it without looking at the clock.
"""

from collections import Counter, OrderedDict


class Leases:
    """The lease book of one stream (ids are 1-based positions).

    Examples
    --------
    >>> book = Leases()
    >>> book.apply(book.plan_take(2, size=5, now=0.0, lease=10.0, consumer="a", key="k1"))
    [1, 2]
    >>> book.apply(book.plan_take(2, size=5, now=1.0, lease=10.0, consumer="a", key="k1"))
    [1, 2]
    >>> book.apply(book.plan_ack([1]))
    [1]
    >>> book.apply(book.plan_take(2, size=5, now=20.0, lease=10.0, consumer="b", key=None))
    [2, 3]
    >>> book.exhausted(size=5)
    False
    """

    def __init__(self, cursor: int = 0, pending=(), keys=()):
        self.cursor = cursor
        # id -> [deadline, consumer], in lease order: the earliest deadline comes first.
        self.pending: OrderedDict[int, list] = OrderedDict((i, [d, c]) for i, d, c in pending)
        # idempotency key -> [expiry, ids], in expiry order.
        self.keys: dict[str, list] = {k: [e, ids] for k, e, ids in keys}

    def dump(self) -> dict:
        return {
            "cursor": self.cursor,
            "pending": [[i, d, c] for i, (d, c) in self.pending.items()],
            "keys": [[k, e, ids] for k, (e, ids) in self.keys.items()],
        }

    def plan_take(self, n, size, now, lease, consumer, key) -> list:
        """A take of up to ``n``: a retried ``key`` gets its observations again (those still
        unacknowledged), else expired leases come first, then the cursor's positions."""
        deadline = now + lease
        saved = self.keys.get(key) if key else None
        if saved is not None and saved[0] > now:
            ids = [i for i in saved[1] if i in self.pending]
            return ["t", ids, self.cursor, now, deadline, consumer, key]
        ids = self.expired(now, n)
        stop = min(self.cursor + n - len(ids), size)
        ids.extend(range(self.cursor + 1, stop + 1))
        return ["t", ids, max(stop, self.cursor), now, deadline, consumer, key]

    def plan_ack(self, ids) -> list:
        return ["a", [i for i in ids if i in self.pending]]

    def plan_release(self, consumer: str) -> list:
        return ["r", [i for i, (_, c) in self.pending.items() if c == consumer]]

    def apply(self, change: list) -> list[int]:
        """Make a planned change; returns the ids it concerns."""
        kind, ids = change[0], change[1]
        if kind == "t":
            self._lease(*change[1:])
        elif kind == "a":
            for i in ids:
                self.pending.pop(i, None)
        else:
            for i in ids:
                self.pending[i][0] = 0.0
                self.pending.move_to_end(i, last=False)
        return ids

    def _lease(self, ids, stop, now, deadline, consumer, key) -> None:
        for i in ids:
            if i > self.cursor or self.pending.pop(i, None) is not None:
                self.pending[i] = [deadline, consumer]
        self.cursor = stop
        while self.keys and next(iter(self.keys.values()))[0] <= now:
            del self.keys[next(iter(self.keys))]
        if key:
            self.keys.pop(key, None)
            self.keys[key] = [deadline, ids]

    def expired(self, now: float, n: int | None = None) -> list[int]:
        """Up to ``n`` ids whose lease ran out by ``now``, lowest first."""
        if not self.pending or next(iter(self.pending.values()))[0] > now:
            return []
        return sorted(i for i, (d, _) in self.pending.items() if d <= now)[:n]

    def exhausted(self, size: int) -> bool:
        """Every observation handed out and acknowledged."""
        return self.cursor >= size and not self.pending

    def consumers(self) -> dict[str, int]:
        """Observations on lease per consumer."""
        return dict(Counter(c for _, c in self.pending.values()))
