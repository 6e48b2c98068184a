"""``python -m tools.dataset --out training.parquet``: a training set from Feast's offline store.

One row per observation the features service pushed (or per row of ``--entities``), built by
Feast's ``get_historical_features``: for each ``(series_id, event_timestamp)`` the latest
``lag_features`` row at or before that time, so no value from the future leaks in. Columns:
``series_id``, ``event_timestamp``, ``in_1..in_N``, ``available_lags`` and ``value`` (the label).

The feature repository is ``infra/feast/feature_repo`` (``--repo``); its configuration is
``feature_store.yaml`` there, or the file ``FEAST_FS_YAML_FILE_PATH`` names, with the same
environment as the feature server (``FEAST_S3_BUCKET``, ``FEAST_S3_ENDPOINT_URL``, AWS keys, ...).
"""

import argparse
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2] / "infra" / "feast" / "feature_repo"
KEYS = ["series_id", "event_timestamp"]


def offline_table(store, columns: list[str] | None = None) -> pa.Table:
    """The offline store's rows as they are stored (a retried push may have stored some twice)."""
    from feast import FileSource

    source = store.get_data_source("lag_features_source")
    uri = FileSource.get_uri_for_file_path(repo_path=store.repo_path, uri=source.path)
    filesystem, path = FileSource.create_filesystem_and_path(
        str(uri), source.file_options.s3_endpoint_override
    )
    return pq.read_table(path, filesystem=filesystem, columns=columns)


def pushed_windows(store) -> pd.DataFrame:
    """``series_id`` and ``event_timestamp`` of every row in the offline store, once each."""
    frame = offline_table(store, KEYS).to_pandas()
    return frame.drop_duplicates().reset_index(drop=True)


def entities_from_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"series_id": str})
    missing = sorted(set(KEYS) - set(frame.columns))
    if missing:
        raise SystemExit(f"dataset: {path} lacks column(s) {', '.join(missing)}")
    frame["event_timestamp"] = pd.to_datetime(frame["event_timestamp"], utc=True)
    return frame[KEYS]


def training_set(store, entities: pd.DataFrame) -> pd.DataFrame:
    """``get_historical_features`` over the ``model_features`` service, sorted by series, time."""
    job = store.get_historical_features(
        entity_df=entities, features=store.get_feature_service("model_features")
    )
    return job.to_df().sort_values(KEYS).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dataset", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help=".parquet or .csv")
    parser.add_argument("--repo", type=Path, default=REPO, help="the Feast feature repository")
    parser.add_argument("--entities", type=Path, help="CSV of series_id,event_timestamp")
    parser.add_argument("--series", action="append", help="only this series (repeatable)")
    args = parser.parse_args(argv)
    if args.out.suffix not in (".parquet", ".csv"):
        parser.error("--out must end in .parquet or .csv")

    from feast import FeatureStore  # seconds to import: after the arguments are checked

    store = FeatureStore(repo_path=str(args.repo))
    entities = entities_from_csv(args.entities) if args.entities else pushed_windows(store)
    if args.series:
        entities = entities[entities["series_id"].isin(args.series)]
    if entities.empty:
        print("dataset: no observations to build a training set from", file=sys.stderr)
        return 1
    frame = training_set(store, entities)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".csv":
        frame.to_csv(args.out, index=False)
    else:
        frame.to_parquet(args.out, index=False)
    series = frame["series_id"].nunique()
    print(f"{len(frame)} rows, {series} series, {len(frame.columns)} columns -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
