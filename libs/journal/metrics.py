"""Prometheus metrics of a :class:`~libs.journal.DurableState`: snapshot failures and age."""

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from libs.journal.durable import DurableState


class SnapshotMetrics:
    """``state_snapshot_failures_total``, ``state_last_snapshot_timestamp_seconds`` (no sample
    before the first snapshot) and ``state_journal_records`` (records the latest snapshot does
    not cover), read from the state at every scrape.

    Parameters
    ----------
    durable
        Returns the service's durable state, or ``None`` (state kept elsewhere, or not open).

    Examples
    --------
    >>> import tempfile
    >>> from prometheus_client import generate_latest
    >>> durable = DurableState(tempfile.mkdtemp(), "demo", dict)
    >>> registry = CollectorRegistry()
    >>> SnapshotMetrics(lambda: durable).register(registry)
    >>> durable.log({"n": 1})
    1
    >>> text = generate_latest(registry).decode()
    >>> "state_snapshot_failures_total 0.0" in text, "state_journal_records 1.0" in text
    (True, True)
    >>> durable.journal.close()
    """

    def __init__(self, durable: Callable[[], DurableState | None]):
        self.durable = durable

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def describe(self) -> Iterator[Metric]:
        return iter(self._families())

    def collect(self) -> Iterator[Metric]:
        failures, last, pending = self._families()
        durable = self.durable()
        if durable is not None:
            failures.add_metric([], durable.failures)
            if durable.last_snapshot_at is not None:
                last.add_metric([], durable.last_snapshot_at)
            pending.add_metric([], durable.journal.seq - durable.covered)
        return iter((failures, last, pending))

    @staticmethod
    def _families() -> tuple[Metric, Metric, Metric]:
        return (
            CounterMetricFamily(
                "state_snapshot_failures",
                "Snapshots that failed (the journal kept their records; retried).",
            ),
            GaugeMetricFamily(
                "state_last_snapshot_timestamp_seconds",
                "Unix time of the latest snapshot saved (or restored at start-up).",
            ),
            GaugeMetricFamily(
                "state_journal_records",
                "Journal records the latest snapshot does not cover (replayed at a restart).",
            ),
        )
