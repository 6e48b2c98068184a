"""Feast objects of project ``online_learning``: what the features service pushes, per window.

One row per window the features service computes: ``series_id``, ``event_timestamp`` (strictly
increasing per series), the lags ``in_1..in_N`` (N from ``N_LAGS``, as in the service),
``available_lags`` and ``value``, the observed value those lags predict.

The offline store is one Parquet file: ``data/lag_features.parquet`` in this directory, or
``s3://$FEAST_S3_BUCKET/offline/lag_features.parquet`` when ``FEAST_S3_BUCKET`` is set (endpoint
``FEAST_S3_ENDPOINT_URL``). Feast appends pushed rows to that file but cannot create it, so
``feast apply`` (which imports this module) creates it empty when it is missing.
"""

import os
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
from feast import Entity, FeatureService, FeatureView, Field, FileSource, PushSource, ValueType
from feast.types import Float64, Int64
from pyarrow import fs


def n_lags() -> int:
    raw = os.environ.get("N_LAGS", "12")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ValueError(f"N_LAGS must be an integer 1..1000, got {raw!r}")
    return int(raw)


N_LAGS = n_lags()
LAGS = [f"in_{k}" for k in range(1, N_LAGS + 1)]
BUCKET = os.environ.get("FEAST_S3_BUCKET", "")
ENDPOINT = os.environ.get("FEAST_S3_ENDPOINT_URL", "")
OFFLINE_PATH = (
    f"s3://{BUCKET}/offline/lag_features.parquet" if BUCKET else "data/lag_features.parquet"
)

SCHEMA = pa.schema(
    [
        ("series_id", pa.string()),
        ("event_timestamp", pa.timestamp("us", tz="UTC")),
        *((name, pa.float64()) for name in LAGS),
        ("available_lags", pa.int64()),
        ("value", pa.float64()),
    ]
)


def ensure_offline_file() -> None:
    """Write an empty Parquet file with :data:`SCHEMA` at :data:`OFFLINE_PATH` if none is there."""
    path = OFFLINE_PATH
    if BUCKET:
        filesystem = fs.S3FileSystem(endpoint_override=ENDPOINT or None)
        path = path.removeprefix("s3://")
    else:
        filesystem = fs.LocalFileSystem()
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), path)
        filesystem.create_dir(os.path.dirname(path), recursive=True)
    if filesystem.get_file_info(path).type == fs.FileType.NotFound:
        pq.write_table(SCHEMA.empty_table(), path, filesystem=filesystem)


ensure_offline_file()

series = Entity(
    name="series",
    join_keys=["series_id"],
    value_type=ValueType.STRING,
    description="One time series, as the services' series_id.",
)

lag_features_source = FileSource(
    name="lag_features_source",
    path=OFFLINE_PATH,
    s3_endpoint_override=ENDPOINT or None,
    timestamp_field="event_timestamp",
    description="Every window pushed by the features service (the offline store).",
)

lag_features_push = PushSource(
    name="lag_features_push",
    batch_source=lag_features_source,
    description="Where the features service pushes each window, online and offline.",
)

lag_features = FeatureView(
    name="lag_features",
    entities=[series],
    ttl=timedelta(0),
    schema=[
        *(Field(name=name, dtype=Float64) for name in LAGS),
        Field(name="available_lags", dtype=Int64),
        Field(name="value", dtype=Float64),
    ],
    source=lag_features_push,
    online=True,
    description="The latest lag window per series: in_1..in_N, available_lags, observed value.",
)

model_features = FeatureService(
    name="model_features",
    features=[lag_features],
    description="What the models learn from: the lag window and the observed value.",
)
