"""The run report: ``report.json`` (everything the job saw) and ``report.png`` (a figure)."""

import json
from dataclasses import asdict
from pathlib import Path

from services.pipeline.job import RunResult
from services.pipeline.leaderboard import Standing

ROLLING_WINDOW = 12


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

    Models are drawn best first; the best three get strong colours and the rest thin grey-ish
    lines, so the figure stays readable with a dozen models.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [r for r in result.records if r.available_lags >= warmup]
    if not records:
        raise ValueError("nothing to plot: no observation had a full lag window")
    x = list(range(len(records)))
    labels = [r.input for r in records]
    actual = [r.target for r in records]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(13, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    top.plot(x, actual, color="black", linewidth=2.4, label="actual", zorder=5)
    palette = ["#d62728", "#1f77b4", "#2ca02c"]
    for rank, standing in enumerate(board):
        preds = [r.predictions.get(standing.model, float("nan")) for r in records]
        errors = [abs(p - a) for p, a in zip(preds, actual, strict=True)]
        rolling = [
            sum(errors[max(0, i - ROLLING_WINDOW + 1) : i + 1]) / min(i + 1, ROLLING_WINDOW)
            for i in range(len(errors))
        ]
        strong = rank < len(palette)
        style = {
            "color": palette[rank] if strong else None,
            "linewidth": 1.6 if strong else 0.8,
            "alpha": 1.0 if strong else 0.45,
            "label": f"{standing.model} (MAE {standing.mae:.1f})",
        }
        top.plot(x, preds, **style)
        bottom.plot(x, rolling, **style)
    top.set_title(f"One-step-ahead predictions vs actual ({len(records)} observations scored)")
    top.set_ylabel("value")
    top.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    top.grid(alpha=0.3)
    bottom.set_title(f"Rolling MAE over the last {ROLLING_WINDOW} observations")
    bottom.set_ylabel("MAE")
    bottom.set_yscale("log")
    bottom.grid(alpha=0.3, which="both")
    step = max(1, len(x) // 12)
    bottom.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
