"""Rank models by the errors of the predictions the pipeline collected."""

from dataclasses import dataclass

from river import metrics

from services.pipeline.job import Record

SERVED = "champion"


@dataclass(frozen=True)
class Standing:
    model: str
    n: int
    mae: float
    rmse: float


def leaderboard(records: list[Record], warmup: int = 0) -> list[Standing]:
    """One standing per model, best MAE first, over records with ``available_lags >= warmup``;
    with several models, ``champion`` stands for what was served (each answer's ``prediction``).

    Predicting before the lag window is full says little about a model, so the job scores from
    the first observation whose window is complete (observation 13 of a monthly series with 12
    lags).

    Examples
    --------
    >>> r = lambda y, a, b, lags: Record(1, "default", "", y, lags, a, {"a": a, "b": b})
    >>> records = [r(10.0, 0.0, 9.0, 0), r(10.0, 8.0, 13.0, 1), r(20.0, 16.0, 21.0, 1)]
    >>> board = leaderboard(records, warmup=1)
    >>> [(s.model, s.n, s.mae, round(s.rmse, 3)) for s in board]
    [('b', 2, 2.0, 2.236), ('a', 2, 3.0, 3.162), ('champion', 2, 3.0, 3.162)]
    """
    maes: dict[str, metrics.MAE] = {}
    rmses: dict[str, metrics.RMSE] = {}
    counts: dict[str, int] = {}
    for record in records:
        if record.available_lags < warmup:
            continue
        served = record.predictions
        if len(served) > 1:
            served = {**served, SERVED: record.prediction}
        for model, prediction in served.items():
            maes.setdefault(model, metrics.MAE()).update(record.target, prediction)
            rmses.setdefault(model, metrics.RMSE()).update(record.target, prediction)
            counts[model] = counts.get(model, 0) + 1
    board = [Standing(m, counts[m], maes[m].get(), rmses[m].get()) for m in maes]
    return sorted(board, key=lambda s: (s.mae, s.model))


def format_table(board: list[Standing]) -> str:
    """The leaderboard as an aligned text table.

    Examples
    --------
    >>> print(format_table([Standing("holt_winters", 132, 8.61, 11.2)]))
    rank  model         n    MAE    RMSE
       1  holt_winters  132  8.610  11.200
    """
    width = max([len("model"), *(len(s.model) for s in board)])
    lines = [f"rank  {'model':<{width}}  n    MAE    RMSE"]
    for rank, s in enumerate(board, 1):
        lines.append(f"{rank:>4}  {s.model:<{width}}  {s.n:<3}  {s.mae:.3f}  {s.rmse:.3f}")
    return "\n".join(lines)
