"""``python -m tools.bench``: the platform against River in a plain loop, against the framework's
ceiling, against a straightforward implementation of the seed, and 2 model shards against 1.

Every figure comes from one run on one machine. The servers start once; then each round runs
every phase once, on fresh series, with each ratio's two sides back to back (loop, pipeline,
loop, pipeline, ...; which side goes first alternates between rounds), so a neighbour's burst of
load hits both sides of a ratio or shows up as spread. Ratios are reported as min / median / max
over the rounds; absolute rates are medians and say more about the machine than the code.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from libs.serving import tune_gc
from services.pipeline.settings import PipelineSettings
from services.pipeline.sharding import shard_of
from tools.bench import phases
from tools.bench.fleet import Fleet
from tools.bench.report import spread, table
from tools.stack.__main__ import start_timeout


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="observations per phase")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of every phase")
    parser.add_argument("--batch", type=int, default=500, help="batch size of the batch phases")
    parser.add_argument("--series", type=int, default=40, help="series of the shard workload")
    parser.add_argument("--shard-model", default="bagging_regressor")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a bounded run: --n 2000 --rounds 3 (at least four batches, so the batch phase "
        "overlaps its stages as a longer run does)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.rounds = 2000, 3
    if args.n < 100 or min(args.rounds, args.batch, args.series) < 1:
        parser.error("--n must be at least 100; --rounds, --batch and --series at least 1")
    return args


def pair(first, second, flip: bool) -> tuple[float, float]:
    """Run two measures back to back, ``second`` first when ``flip``; answers in argument order."""
    if flip:
        b = second()
        return first(), b
    a = first()
    return a, second()


class Rounds:
    """Runs the phases of a round and keeps every figure under its name."""

    def __init__(self, fleet: Fleet, values: list[float], args: argparse.Namespace, pool):
        self.fleet, self.values, self.args, self.pool = fleet, values, args, pool
        self.figures: dict[str, list[float]] = defaultdict(list)

    def keep(self, **figures: float) -> None:
        for name, value in figures.items():
            self.figures[name].append(value)

    def run(self, r: int) -> None:
        flip = r % 2 == 1
        single, loop = pair(lambda: self.pipeline(f"r{r}-one", None), self.loop, flip)
        seed, again = pair(self.seed, lambda: self.pipeline(f"r{r}-again", None), flip)
        batched = lambda: self.pipeline(f"r{r}-batch", self.args.batch)  # noqa: E731
        batch, loop_b = pair(batched, self.loop, flip)
        self.keep(loop=statistics.mean([loop, loop_b]), single=single, seed=seed, batch=batch)
        self.keep(**{"single/loop": single / loop, "single/seed": again / seed,
                     "batch/loop": batch / loop_b})  # fmt: skip
        self.ceiling(r, flip)
        self.shards(r, flip)

    def loop(self) -> float:
        return phases.river_loop("linear_regression", self.values)

    def seed(self) -> float:
        urls = [self.fleet.url(f"seed_{name}") for name in ("ingestion", "features", "model")]
        return phases.seed_pipeline_rate(*urls)

    def settings(self, stream: str, shards: list[str] | None = None) -> PipelineSettings:
        models = {"model_shard_urls": ",".join(shards)} if shards else {}
        return PipelineSettings(
            ingestion_url=self.fleet.url("ingestion"),
            features_url=self.fleet.url("features"),
            model_url=self.fleet.url("model"),
            stream=stream,
            timeout_seconds=300,  # a slow first answer (lazy imports) is waited for, not retried
            **models,
        )

    def pipeline(self, stream: str, batch: int | None) -> float:
        observations = [{"input": f"t{i}", "target": y} for i, y in enumerate(self.values)]
        phases.append_stream(self.fleet.url("ingestion"), stream, observations)
        return phases.pipeline_rate(self.settings(stream), batch)

    def ceiling(self, r: int, flip: bool) -> None:
        bodies = phases.learn_bodies(self.values, f"r{r}-pl")
        ceiling, (rate, times) = pair(
            lambda: phases.post_rate(self.fleet.url("ceiling"), "/", bodies)[0],
            lambda: phases.post_rate(self.fleet.url("model"), "/predict_learn", bodies),
            flip,
        )
        p50, p99 = phases.percentiles(times)
        self.keep(ceiling=ceiling, predict_learn=rate, p50=p50, p99=p99)
        self.keep(**{"predict_learn/ceiling": rate / ceiling})

    def shards(self, r: int, flip: bool) -> None:
        """Many series through the batch job: one model service, then two shards."""
        per_series = max(1, self.args.n // self.args.series)
        values = phases.synthetic_series(per_series)

        def run(layout: str, names: list[str]) -> float:
            stream = f"r{r}-{layout}"
            series = [f"{stream}-s{j}" for j in range(self.args.series)]
            observations = [
                {"input": f"t{t}", "target": y, "series_id": s}
                for t, y in enumerate(values)
                for s in series
            ]
            phases.append_stream(self.fleet.url("ingestion"), stream, observations)
            shards = [self.fleet.url(name) for name in names]
            return phases.pipeline_rate(self.settings(stream, shards), self.args.batch)

        one, two = pair(
            lambda: run("alone", ["alone"]), lambda: run("shards", ["shard0", "shard1"]), flip
        )
        on_second = [shard_of(f"r{r}-shards-s{j}", 2) for j in range(self.args.series)]
        self.keep(one_shard=one, two_shards=two, second_share=sum(on_second) / len(on_second))
        capacity = phases.parallel_capacity(self.pool, self.args.shard_model, self.values[:1000])
        self.keep(capacity=capacity, **{"shards/one": two / one})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The GC settings of the services and of ``python -m services.pipeline``, for both sides of
    # the comparison (the plain loop measured the same with Python's defaults).
    tune_gc()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        values = phases.synthetic_series(args.n)
        dataset = workdir / "series.csv"
        rows = "".join(f"t{i},{v!r}\n" for i, v in enumerate(values))
        dataset.write_text("input,target\n" + rows)
        with (
            Fleet(workdir, dataset, args.shard_model, start_timeout()) as fleet,
            ProcessPoolExecutor(2) as pool,
        ):
            # A short round first, not counted: it pays the lazy imports and first-use costs of
            # every server (River's ensemble module takes seconds to import on a busy machine).
            warm_up = argparse.Namespace(**{**vars(args), "n": 200, "series": 4})
            Rounds(fleet, values[:200], warm_up, pool).run(-1)
            rounds = Rounds(fleet, values, args, pool)
            for r in range(args.rounds):
                rounds.run(r)
                print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m tools.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    share = statistics.median(rounds.figures["second_share"])
    print(f"$ {command.strip()}   ({args.n} observations per phase, {args.rounds} rounds)")
    print(table(rounds.figures, args.batch, args.series, args.shard_model))
    capacity = spread(rounds.figures["capacity"], 2)
    print(f"shard workload: {args.series} series, {share:.0%} of them on shard 1 of 2 (median)")
    print(f"two processes vs one on this machine during the run (min / median / max): {capacity}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
