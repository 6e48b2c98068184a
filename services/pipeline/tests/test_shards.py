"""Two model shards behind one pipeline: each series is learned on its owner only, once."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from libs.testkit import ServiceProcess
from libs.testkit.servers import REPO_ROOT
from services.pipeline.job import Record
from services.pipeline.leaderboard import leaderboard
from services.pipeline.sharding import shard_of
from services.pipeline.tests.test_replay import river_replay

MODELS = "linear_regression,naive"
SERIES = [f"s{i}" for i in range(6)]
LENGTH = 40


def series_values(index: int) -> list[float]:
    return [100.0 * (index + 1) + 3.0 * t + (t * (index + 2)) % 7 for t in range(LENGTH)]


class ShardedStack:
    """Ingestion over a several-series CSV, features, and two model shards."""

    def __init__(self, workdir):
        rows = [(s, t, series_values(i)[t]) for t in range(LENGTH) for i, s in enumerate(SERIES)]
        dataset = workdir / "series.csv"
        dataset.write_text(
            "series_id,input,target\n" + "".join(f"{s},t{t},{y}\n" for s, t, y in rows)
        )
        state = workdir / "state"
        self.ingestion = ServiceProcess(
            "ingestion", workdir, {"STATE_DIR": str(state / "i"), "DATASET_PATH": str(dataset)}
        )
        self.features = ServiceProcess("features", workdir, {"STATE_DIR": str(state / "f")})
        self.shards = [
            ServiceProcess(
                "model", workdir, {"STATE_DIR": str(state / f"m{k}"), "MODEL_NAMES": MODELS}
            )
            for k in range(2)
        ]
        self.services = [self.ingestion, self.features, *self.shards]

    def start(self) -> "ShardedStack":
        try:
            with ThreadPoolExecutor(len(self.services)) as pool:
                list(pool.map(lambda s: s.start(), self.services))
        except RuntimeError:
            self.stop()  # the ones that did start, and the one that did not in time
            raise
        return self

    def stop(self) -> None:
        for service in self.services:
            service.stop()

    def job(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        urls = {
            "INGESTION_URL": self.ingestion.url,
            "FEATURES_URL": self.features.url,
            "MODEL_SHARD_URLS": ",".join(s.url for s in self.shards),
        }
        return subprocess.run(
            [sys.executable, "-m", "services.pipeline", *args],
            env={**os.environ, **urls, **env},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def learned(self, shard: ServiceProcess) -> dict[str, int]:
        """Observations learned per series on one shard."""
        series = httpx.get(f"{shard.url}/model_metrics").json()["series"]
        return {name: s["count"] for name, s in series.items()}


@pytest.fixture
def sharded(tmp_path):
    stack = ShardedStack(tmp_path).start()
    yield stack
    stack.stop()


def expected_records() -> list[Record]:
    """Every series replayed in process on its own models: what an unsharded run predicts."""
    replays = {
        s: {name: river_replay(name, series_values(i)) for name in MODELS.split(",")}
        for i, s in enumerate(SERIES)
    }
    return [
        Record(0, s, "", series_values(i)[t], min(t, 12), 0.0,
               {name: replays[s][name][t] for name in MODELS.split(",")})
        for t in range(LENGTH) for i, s in enumerate(SERIES)
    ]  # fmt: skip


def assert_each_series_learned_once_on_its_owner(stack: ShardedStack, tmp_path) -> None:
    owners = {s: shard_of(s, 2) for s in SERIES}
    assert set(owners.values()) == {0, 1}  # the test data really spreads over both shards
    for k, shard in enumerate(stack.shards):
        assert stack.learned(shard) == {s: LENGTH for s, owner in owners.items() if owner == k}
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    expected = expected_records()
    assert [(r["series_id"], r["target"]) for r in report["records"]] == [
        (r.series_id, r.target) for r in expected
    ]
    for got, want in zip(report["records"], expected, strict=True):
        assert got["predictions"] == pytest.approx(want.predictions, abs=1e-9), got
    # the served champion's row follows the model service's rule, tested with the model service
    board = [s for s in report["leaderboard"] if s["model"] != "champion"]
    want_board = [s for s in leaderboard(expected, 12) if s.model != "champion"]
    assert [(s["model"], s["n"]) for s in board] == [(s.model, s.n) for s in want_board]
    assert [(s["mae"], s["rmse"]) for s in board] == [
        (pytest.approx(s.mae, abs=1e-9), pytest.approx(s.rmse, abs=1e-9)) for s in want_board
    ]
    assert all(s["n"] == len(SERIES) * (LENGTH - 12) for s in board)


@pytest.mark.parametrize("mode", [[], ["--batch", "7"]], ids=["one-by-one", "batch"])
def test_each_series_is_learned_only_on_its_owner_and_the_leaderboard_merges_shards(
    sharded, tmp_path, mode
):
    completed = sharded.job("--json", "--report", str(tmp_path / "out"), *mode)

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["observations"] == len(SERIES) * LENGTH
    assert_each_series_learned_once_on_its_owner(sharded, tmp_path)


@pytest.mark.parametrize("mode", [[], ["--batch", "5"]], ids=["one-by-one", "batch"])
def test_a_killed_shard_and_a_replayed_stream_learn_nothing_twice(sharded, tmp_path, mode):
    first = sharded.job("--json", "--max", "100", *mode)
    sharded.shards[1].kill()  # kill -9: only the journal survives
    sharded.shards[1].start()
    rest = sharded.job("--json", *mode)
    replayed = sharded.job("--json", "--reset", "--report", str(tmp_path / "out"), *mode)

    for completed in (first, rest, replayed):
        assert completed.returncode == 0, completed.stderr
    done = [json.loads(c.stdout)["observations"] for c in (first, rest, replayed)]
    assert done == [100, len(SERIES) * LENGTH - 100, len(SERIES) * LENGTH]
    # The replay went to the same owners, which answered every step from their records.
    assert_each_series_learned_once_on_its_owner(sharded, tmp_path)


def test_model_urls_and_model_shard_urls_together_are_a_one_line_configuration_error(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "services.pipeline"],
        env={**os.environ, "MODEL_URLS": "http://a:8000", "MODEL_SHARD_URLS": "http://b:8000"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        "pipeline: invalid configuration: settings: Value error, MODEL_URLS and MODEL_SHARD_URLS "
        "are both set: MODEL_URLS sends every observation to every model service, "
        "MODEL_SHARD_URLS each series to one shard; set one"
    )
