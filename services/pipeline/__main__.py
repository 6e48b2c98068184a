"""``python -m services.pipeline``: run the pipeline job once (what the CronWorkflow runs)."""

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from pydantic import ValidationError

from libs.serving import settings_error, tune_gc
from services.pipeline.client import StepError
from services.pipeline.job import Pipeline
from services.pipeline.leaderboard import format_table, leaderboard
from services.pipeline.progress import Progress
from services.pipeline.report import write_json, write_png
from services.pipeline.settings import PipelineSettings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m services.pipeline",
        description="Pull observations from ingestion, add lag features, predict-then-learn on "
        "every model service. Exits 0 when every step succeeded or the stream is exhausted.",
    )
    parser.add_argument(
        "--max",
        type=int,
        default=None,
        metavar="K",
        help="process at most K observations (default: until exhausted)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        metavar="N",
        help="use the batch endpoints, N observations per request",
    )
    parser.add_argument(
        "--reset", action="store_true", help="reset the ingestion stream before running"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="DIR",
        help="write DIR/report.json and DIR/report.png",
    )
    args = parser.parse_args(argv)
    for name in ("max", "batch"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = PipelineSettings()
    except ValidationError as exc:
        print(f"pipeline: {settings_error(exc)}", file=sys.stderr)
        return 2
    tune_gc()  # records accumulate for the report: keep the collector from walking them often
    pipeline = Pipeline(settings)
    progress = Progress(None)
    try:
        warmup = pipeline.n_lags()
        if args.reset:
            pipeline.reset()
        remaining = pipeline.remaining()
        progress.total = remaining if args.max is None else min(args.max, remaining)
        result = pipeline.run(args.max, args.batch, progress.update)
    except StepError as exc:
        progress.close()
        print(f"pipeline failed: {exc}", file=sys.stderr)
        return 1
    finally:
        pipeline.close()
    progress.close()
    board = leaderboard(result.records, warmup)
    summary = {
        "observations": len(result.records),
        "exhausted": result.exhausted,
        "seconds": round(result.seconds, 3),
        "observations_per_second": round(len(result.records) / result.seconds, 1)
        if result.seconds
        else None,
        "retries": result.retries,
        "scored_from_lags": warmup,
        "leaderboard": [asdict(s) for s in board],
    }
    if args.report:
        meta = {"models": settings.models, "n_lags": warmup}
        write_json(args.report / "report.json", result, board, meta)
        if board:
            write_png(args.report / "report.png", result, board, warmup)
    if args.json:
        print(json.dumps(summary))
    else:
        state = "stream exhausted" if result.exhausted else "limit reached"
        rate = summary["observations_per_second"]
        print(
            f"{len(result.records)} observations in {result.seconds:.2f}s "
            f"({rate} obs/s), {state}, {result.retries} retries"
        )
        if board:
            print(f"leaderboard (observations with all {warmup} lags):")
            print(format_table(board))
    return 0


if __name__ == "__main__":
    sys.exit(main())
