"""The replayed data set: a CSV with ``input,target`` and an optional ``series_id`` column."""

import csv
import hashlib
import io
import math
import re
from pathlib import Path
from typing import NamedTuple

from libs.serving.schemas import NAME_PATTERN

BUNDLED = Path(__file__).with_name("data") / "airline-passengers.csv"
SERIES_ID = re.compile(NAME_PATTERN)
INTEGER = re.compile(r"^[+-]?\d+$")


class DatasetError(ValueError):
    """The CSV cannot be served; the message names the file and the line."""


class Row(NamedTuple):
    input: str
    target: int | float
    series_id: str | None


class Dataset(NamedTuple):
    path: Path
    rows: tuple[Row, ...]
    fingerprint: str
    """Hash of the file's bytes: a cursor kept for one file is never applied to another."""

    @property
    def series(self) -> list[str]:
        return sorted({r.series_id for r in self.rows if r.series_id is not None})


def load_dataset(path: Path | None = None) -> Dataset:
    """Read and check the whole CSV (``path``, or the bundled airline passengers series).

    Integral targets stay integers (``112``, as the seed serves them), others are floats.

    Examples
    --------
    >>> ds = load_dataset()
    >>> len(ds.rows), ds.rows[0], ds.rows[-1].input
    (144, Row(input='1949-01', target=112, series_id=None), '1960-12')
    """
    path = Path(path or BUNDLED)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"DATASET_PATH {path}: cannot read: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if "input" not in header or "target" not in header:
        raise DatasetError(f"{path} line 1: header must name input,target (got {header})")
    columns = [header.index("input"), header.index("target")]
    if "series_id" in header:
        columns.append(header.index("series_id"))
    rows = []
    for cells in reader:
        if not cells:
            continue
        try:
            rows.append(_row(cells, len(header), columns))
        except ValueError as exc:
            raise DatasetError(f"{path} line {reader.line_num}: {exc}") from None
    if not rows:
        raise DatasetError(f"{path}: no observations after the header")
    return Dataset(path, tuple(rows), hashlib.sha256(raw).hexdigest()[:16])


def _row(cells: list[str], width: int, columns: list[int]) -> Row:
    if len(cells) != width:
        raise ValueError(f"expected {width} fields, got {len(cells)}")
    text = cells[columns[1]].strip()
    try:
        target = int(text) if INTEGER.match(text) else float(text)
    except ValueError:
        raise ValueError(f"target {text!r} is not a number") from None
    try:
        finite = math.isfinite(float(target))
    except OverflowError:
        finite = False
    if not finite:
        raise ValueError(f"target {text!r} is not a finite number")
    series_id = cells[columns[2]].strip() if len(columns) == 3 else None
    if series_id is not None and not SERIES_ID.match(series_id):
        raise ValueError(f"series_id {series_id!r} must be 1-128 of letters, digits, _ . : -")
    return Row(cells[columns[0]].strip(), target, series_id)
