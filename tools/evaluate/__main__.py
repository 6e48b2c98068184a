"""``python -m tools.evaluate``: every model, the served champion and statsforecast's AutoETS
and AutoARIMA, one step ahead, on a panel of real series.

Each series streams through the model service's own learner (every catalog model,
``CHAMPION=best``, the season given on the series' first request as a client who knows the
data's frequency would, lag features as the feature service computes them); scores count from
observation 13, as ``METRICS_WARMUP=12`` does. Figures are MAE relative to naive's (below 1:
better than repeating the last value). The anchors are refitted every ``--refit`` steps (see
``tools.evaluate.anchors``).
"""

import argparse
import statistics
import sys
import time

from libs.forecasting import detect_season
from services.model.champion import SERVED
from tools.evaluate.anchors import anchor_forecasts
from tools.evaluate.panel import PANEL
from tools.evaluate.run import WARMUP, mae, run_service_models

ANCHORS = ("AutoETS", "AutoARIMA")


def evaluate(refit: int, anchors: bool) -> tuple[dict, dict]:
    """Relative MAE by row (model, champion, anchor) and series; facts per series."""
    table, facts = {}, {}
    for series in PANEL:
        values = series.load()
        started = time.perf_counter()
        run = run_service_models(values, series.season)
        forecasts = dict(run.forecasts)
        if anchors:
            forecasts |= anchor_forecasts(values, series.season, WARMUP, refit)
        naive = mae(run.actuals, run.forecasts["naive"])
        for row, predicted in forecasts.items():
            table.setdefault(row, {})[series.name] = mae(run.actuals, predicted) / naive
        facts[series.name] = {
            "n": len(values),
            "season": series.season,
            "detected": detect_season(values[:24]),
            "naive_mae": naive,
            "champion_mae": mae(run.actuals, run.forecasts[SERVED]),
            "worst_jump": run.worst_jump,
            "rejected": run.rejected,
            "seconds": time.perf_counter() - started,
        }
        print(f"{series.name}: {facts[series.name]['seconds']:.1f}s", file=sys.stderr)
    return table, facts


def print_table(table: dict, facts: dict) -> None:
    names = list(facts)
    width = max(len(row) for row in table)
    print(f"{'model':<{width}}  " + "  ".join(f"{n:>10}" for n in names) + "      median")
    order = sorted(table, key=lambda row: statistics.median(table[row].values()))
    for row in order:
        cells = "  ".join(f"{table[row][n]:>10.3f}" for n in names)
        print(f"{row:<{width}}  {cells}  {statistics.median(table[row].values()):>10.3f}")
    print()
    for name, fact in facts.items():
        series = next(s for s in PANEL if s.name == name)
        print(
            f"{name}: {series.frequency}, {fact['n']} values, season {fact['season']} "
            f"(detected from the first 24: {fact['detected']}), {series.what}; naive MAE "
            f"{fact['naive_mae']:.3f}, champion MAE {fact['champion_mae']:.3f}, furthest "
            f"served forecast {fact['worst_jump']:.2f}x the observed range from the last "
            f"value, {fact['rejected']} forecasts rejected by the guard"
        )


def print_targets(table: dict, facts: dict) -> None:
    champion = table[SERVED]
    print()
    print("targets:")
    worst = max(champion.values())
    print(f"  champion MAE <= naive's on every series: worst ratio {worst:.3f}")
    jump = max(f["worst_jump"] for f in facts.values())
    print(f"  no served forecast further than 10x the observed range: furthest {jump:.2f}x")
    if all(a in table for a in ANCHORS):
        ratios = {n: champion[n] / min(table[a][n] for a in ANCHORS) for n in champion}
        shown = ", ".join(f"{n} {r:.3f}" for n, r in ratios.items())
        print(f"  champion / best anchor: {shown}; median {statistics.median(ratios.values()):.3f}")
    airline = facts.get("airline")
    if airline:
        print(f"  airline champion MAE (observations 13..144): {airline['champion_mae']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluate", description=__doc__)
    parser.add_argument("--refit", type=int, default=24, help="anchor refit interval (steps)")
    parser.add_argument("--no-anchors", action="store_true", help="skip statsforecast")
    args = parser.parse_args(argv)
    table, facts = evaluate(args.refit, not args.no_anchors)
    print_table(table, facts)
    print_targets(table, facts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
