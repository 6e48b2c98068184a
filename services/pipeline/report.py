"""The run report: ``report.json`` (everything the job saw) and ``report.png`` (a figure)."""

import json
from dataclasses import asdict
from pathlib import Path

from services.pipeline.job import Record, RunResult
from services.pipeline.leaderboard import Standing

ROLLING_WINDOW = 12
PALETTE = ("#d62728", "#1f77b4", "#2ca02c")


def write_json(path: Path, result: RunResult, board: list[Standing], meta: dict) -> None:
    """Leaderboard, run figures and every observation's predictions, as JSON."""
    payload = {
        **meta,
        "observations": len(result.records),
        "exhausted": result.exhausted,
        "seconds": round(result.seconds, 4),
        "retries": result.retries,
        "leaderboard": [asdict(s) for s in board],
        "records": [asdict(r) for r in result.records],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1))


def write_png(path: Path, result: RunResult, board: list[Standing], warmup: int) -> None:
    """Actual vs predicted per model over time, and each model's rolling MAE below it.

    Models are drawn best first; the best three get strong colours and the rest thin, faint
    lines, so the figure stays readable with a dozen models. With several series, the one with
    the most scored observations is drawn (the leaderboard and the JSON cover them all).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series, records = _longest_series([r for r in result.records if r.available_lags >= warmup])
    x = list(range(len(records)))
    actual = [r.target for r in records]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    top.plot(x, actual, color="black", linewidth=2.4, label="actual", zorder=5)
    for rank, standing in enumerate(board):
        predictions = [r.predictions.get(standing.model, float("nan")) for r in records]
        errors = [abs(p - a) for p, a in zip(predictions, actual, strict=True)]
        style = _style(rank, f"{standing.model} (MAE {standing.mae:.1f})")
        top.plot(x, predictions, **style)
        bottom.plot(x, _rolling_mean(errors, ROLLING_WINDOW), **style)
    top.set_title(
        f"Series {series!r}: one-step-ahead predictions vs actual ({len(records)} scored)"
    )
    top.set_ylabel("value")
    top.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    top.grid(alpha=0.3)
    bottom.set_title(f"Rolling MAE over the last {ROLLING_WINDOW} observations")
    bottom.set_ylabel("MAE")
    bottom.set_yscale("log")
    plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")
    bottom.yaxis.set_major_formatter(plain)
    bottom.yaxis.set_minor_formatter(plain)
    bottom.grid(alpha=0.3, which="both")
    step = max(1, len(x) // 12)
    labels = [r.input for r in records]
    bottom.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _longest_series(records: list[Record]) -> tuple[str, list[Record]]:
    by_series: dict[str, list[Record]] = {}
    for record in records:
        by_series.setdefault(record.series_id, []).append(record)
    if not by_series:
        raise ValueError("nothing to plot: no observation had a full lag window")
    return max(by_series.items(), key=lambda item: len(item[1]))


def _style(rank: int, label: str) -> dict:
    strong = rank < len(PALETTE)
    return {
        "color": PALETTE[rank] if strong else None,
        "linewidth": 1.6 if strong else 0.8,
        "alpha": 1.0 if strong else 0.45,
        "label": label,
    }


def _rolling_mean(values: list[float], window: int) -> list[float]:
    """Mean of the last ``window`` values at each point (fewer at the start).

    Examples
    --------
    >>> _rolling_mean([1.0, 3.0, 5.0, 7.0], 2)
    [1.0, 2.0, 4.0, 6.0]
    """
    return [
        sum(values[max(0, i - window + 1) : i + 1]) / min(i + 1, window) for i in range(len(values))
    ]
