"""``python -m services.pipeline``: run the pipeline job once (what the CronWorkflow runs)."""

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from pydantic import ValidationError
from tqdm import tqdm

from libs.runtime import settings_error, tune_gc
from services.pipeline.client import StepError
from services.pipeline.job import Pipeline, RunResult
from services.pipeline.leaderboard import Standing, format_table, leaderboard
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
    try:
        result, warmup = execute(settings, args)
    except StepError as exc:
        print(f"pipeline failed: {exc}", file=sys.stderr)
        return 1
    board = leaderboard(result.records, warmup)
    if args.report:
        meta = {"models": settings.models, "sharded": bool(settings.shards), "n_lags": warmup}
        write_json(args.report / "report.json", result, board, meta)
        if board:
            write_png(args.report / "report.png", result, board, warmup)
    summary = summarise(result, board, warmup)
    print(json.dumps(summary) if args.json else describe(summary, board))
    return 0


def execute(settings: PipelineSettings, args: argparse.Namespace) -> tuple[RunResult, int]:
    """Run the job; returns what it did and the lag window (observations before scoring).

    The progress bar (tqdm, on stderr) is drawn only when stderr is a terminal.
    """
    pipeline = Pipeline(settings)
    bar = None
    try:
        warmup = pipeline.n_lags()
        if args.reset:
            pipeline.reset()
        remaining = pipeline.remaining()
        total = remaining if args.max is None else min(args.max, remaining)
        bar = tqdm(total=total, unit="obs", disable=not sys.stderr.isatty(), mininterval=0.1)

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        return pipeline.run(args.max, args.batch, progress), warmup
    finally:
        if bar is not None:
            bar.close()
        pipeline.close()


def summarise(result: RunResult, board: list[Standing], warmup: int) -> dict:
    rate = len(result.records) / result.seconds if result.seconds else None
    return {
        "observations": len(result.records),
        "exhausted": result.exhausted,
        "seconds": round(result.seconds, 3),
        "observations_per_second": None if rate is None else round(rate, 1),
        "retries": result.retries,
        "scored_from_lags": warmup,
        "leaderboard": [asdict(s) for s in board],
    }


def describe(summary: dict, board: list[Standing]) -> str:
    """The summary for people: one line, then the leaderboard table."""
    state = "stream exhausted" if summary["exhausted"] else "limit reached"
    lines = [
        f"{summary['observations']} observations in {summary['seconds']:.2f}s "
        f"({summary['observations_per_second']} obs/s), {state}, {summary['retries']} retries"
    ]
    if board:
        lines.append(f"leaderboard (observations with all {summary['scored_from_lags']} lags):")
        lines.append(format_table(board))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
