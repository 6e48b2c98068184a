"""``python -m tools.bench.journal``: per-record cost of the journal against SQLite.

Measures what an acknowledged record costs the service that writes it: the segment-file
:class:`~libs.journal.Journal` (``os.write`` on an ``O_APPEND`` file, a CRC32 per record)
against SQLite from the standard library in WAL mode with one transaction per record, as
journal stores. Each is measured without a flush per record (what survives ``kill -9``) and
with one (what survives a power loss: ``fsync`` for the journal, ``synchronous=FULL`` for
SQLite). The records are the model service's ``/predict_learn`` records with 12 lags.
"""

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from libs.journal import Journal


def records(n: int) -> list[dict]:
    features = {f"in_{k}": 100.0 + k * 1.5 for k in range(1, 13)}
    return [
        {
            "op": "learn",
            "series_id": "default",
            "features": features,
            "target": 112.0 + i,
            "observation_id": i,
            "predict": True,
        }
        for i in range(n)
    ]


def journal_writer(directory: Path, flush: bool) -> tuple[Callable[[dict], None], Callable]:
    journal = Journal(directory, fsync=flush)
    return journal.append, journal.close


def sqlite_writer(directory: Path, flush: bool) -> tuple[Callable[[dict], None], Callable]:
    db = sqlite3.connect(directory / "journal.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={'FULL' if flush else 'NORMAL'}")
    db.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    seq = iter(range(1, 1 << 62))

    def append(record: dict) -> None:
        # One transaction per acknowledged record: BEGIN, INSERT, COMMIT.
        with db:
            db.execute("INSERT INTO journal VALUES (?, ?)", (next(seq), orjson.dumps(record)))

    return append, db.close


def per_record_us(make, items: list[dict], flush: bool, runs: int) -> float:
    """The median over ``runs`` fresh stores of the mean cost of one append, in microseconds."""
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            append, close = make(Path(d), flush)
            start = time.perf_counter()
            for item in items:
                append(item)
            results.append((time.perf_counter() - start) / len(items) * 1e6)
            close()
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="records per run")
    parser.add_argument("--flushed", type=int, default=500, help="records per run with a flush")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("| store | per record, no flush | per record, flushed |")
    print("|---|---|---|")
    for name, make in (("journal (segment files)", journal_writer), ("SQLite WAL", sqlite_writer)):
        plain = per_record_us(make, records(args.n), False, args.runs)
        flushed = per_record_us(make, records(args.flushed), True, args.runs)
        print(f"| {name} | {plain:.1f} us | {flushed:.0f} us |")


if __name__ == "__main__":
    main()
