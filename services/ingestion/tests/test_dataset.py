import re

import pytest
from river import datasets

from services.ingestion.dataset import DatasetError, Row, load_dataset


def test_bundled_csv_equals_river_airline_passengers():
    rows = load_dataset().rows
    expected = [(f"{x['month']:%Y-%m}", y) for x, y in datasets.AirlinePassengers()]
    assert [(r.input, r.target) for r in rows] == expected
    assert len(rows) == 144 and rows[0] == Row("1949-01", 112, None)
    assert all(type(r.target) is int for r in rows)


def test_series_id_column_is_kept_per_row_and_non_integral_targets_are_floats(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("series_id,input,target\na,t1,1.5\nb,t1,2\n")
    dataset = load_dataset(path)
    assert dataset.rows == (Row("t1", 1.5, "a"), Row("t1", 2, "b"))
    assert dataset.series == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("when,value\n2020,1\n", "line 1: header must name input,target"),
        ("input,target\n2020-01,1\n2020-02\n", "line 3: expected 2 fields, got 1"),
        ("input,target\n2020-01,1\n2020-02,abc\n", "line 3: target 'abc' is not a number"),
        ("input,target\n2020-01,nan\n", "line 2: target 'nan' is not a finite number"),
        ("input,target\n2020-01,1e999\n", "line 2: target '1e999' is not a finite number"),
        ("input,target,series_id\n2020-01,1,has space\n", "line 2: series_id 'has space'"),
        ("input,target\n", "no observations after the header"),
    ],
)
def test_malformed_csv_is_refused_naming_the_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=re.escape(message)):
        load_dataset(path)


def test_missing_file_is_refused_naming_the_path(tmp_path):
    with pytest.raises(DatasetError, match=r"missing\.csv: cannot read"):
        load_dataset(tmp_path / "missing.csv")
