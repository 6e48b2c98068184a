"""The bench's table: medians of rates, ratios as min / median / max over the rounds."""

import statistics


def spread(values: list[float], digits: int = 3) -> str:
    """``min / median / max``.

    Examples
    --------
    >>> spread([0.5, 0.25, 1.0])
    '0.250 / 0.500 / 1.000'
    """
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"


def rows(figures: dict[str, list[float]], batch: int, series: int, model: str) -> list[tuple]:
    """(measure, result, ratio, against) for every line of the table."""
    med = {name: statistics.median(v) for name, v in figures.items()}

    def rate(name: str, unit: str = "obs/s") -> str:
        return f"{med[name]:,.0f} {unit}"

    loop, top, seed = "River loop", "minimal FastAPI", "seed, sync FastAPI"
    latency = f"p50 {med['p50']:.2f} ms, p99 {med['p99']:.2f} ms"
    return [
        ("River plain loop (lags, predict, learn, MAE)", rate("loop"), "1.00", loop),
        ("pipeline, one observation per request (3 hops)", rate("single"),
         spread(figures["single/loop"]), loop),
        (f"pipeline, batch endpoints ({batch} per request)", rate("batch"),
         spread(figures["batch/loop"]), loop),
        ("/predict_learn latency, one client", latency, "", ""),
        ("/predict_learn, one keep-alive client", rate("predict_learn", "req/s"),
         spread(figures["predict_learn/ceiling"], 2), top),
        ("minimal async FastAPI POST, constant answer", rate("ceiling", "req/s"), "1.00", top),
        ("pipeline, one per request (as above)", rate("single"),
         spread(figures["single/seed"], 2), seed),
        ("seed's services, sync FastAPI, httpx job", rate("seed"), "1.00", seed),
        (f"{model}, {series} series, batches, 2 shards", rate("two_shards"),
         spread(figures["shards/one"], 2), "1 shard"),
        (f"{model}, {series} series, batches, 1 shard", rate("one_shard"), "1.00", "1 shard"),
    ]  # fmt: skip


def table(figures: dict[str, list[float]], batch: int, series: int, model: str) -> str:
    """The markdown table the README shows.

    Examples
    --------
    >>> names = ["loop", "single", "batch", "p50", "p99", "predict_learn", "ceiling", "seed",
    ...          "two_shards", "one_shard", "single/loop", "batch/loop",
    ...          "predict_learn/ceiling", "single/seed", "shards/one"]
    >>> lines = table({n: [1.0, 2.0] for n in names}, 500, 40, "bagging_regressor").splitlines()
    >>> len(lines), [cell.strip() for cell in lines[3].split("|")[2:4]]
    (12, ['2 obs/s', '1.000 / 1.500 / 2.000'])
    """
    lines = rows(figures, batch, series, model)
    widths = [max(len(str(line[i])) for line in lines) for i in range(4)]
    head = ("measure", "result (median)", "ratio: min / median / max", "against")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]

    def fmt(cells) -> str:
        return "| " + " | ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(head), rule, *(fmt(line) for line in lines)])
