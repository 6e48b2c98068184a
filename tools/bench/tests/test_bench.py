"""The benches run end to end and report every figure they promise (tiny sizes: what they
measure is not asserted, only that they measure it)."""

import re
import subprocess
import sys

from libs.testkit.servers import REPO_ROOT

NUMBER = r"[0-9][0-9,.]*"


def run(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_make_bench_reports_every_phase_with_its_ratio_spread():
    out = run("tools.bench", "--n", "100", "--rounds", "1", "--series", "2", "--batch", "50")
    rows = {
        "pipeline, one observation per request (3 hops)": "River loop",
        "pipeline, batch endpoints (50 per request)": "River loop",
        "/predict_learn, one keep-alive client": "minimal FastAPI",
        "pipeline, one per request (as above)": "seed, sync FastAPI",
        "bagging_regressor, 2 series, batches, 2 shards": "1 shard",
    }
    for measure, against in rows.items():
        spread = rf"{NUMBER} / {NUMBER} / {NUMBER}"
        ratio = (
            rf"\| {re.escape(measure)} +\| {NUMBER} \S+ +\| {spread} +\| {re.escape(against)} +\|"
        )
        assert re.search(ratio, out), f"no figure for {measure!r} in:\n{out}"
    assert re.search(rf"two processes vs one .*: {NUMBER} / {NUMBER} / {NUMBER}", out)


def test_the_hot_path_and_in_process_benches_report_their_ratios():
    hotpath = run("tools.bench.hotpath", "--rounds", "2", "--requests", "100")
    assert re.search(
        rf"predict_learn / ceiling, throughput: min {NUMBER} +median {NUMBER}", hotpath
    )
    inprocess = run("tools.bench.inprocess", "--rounds", "2", "--requests", "50")
    for kind in ("APIRoute /predict_learn", "Starlette Route, same work", "ceiling (constant)"):
        assert re.search(rf"{re.escape(kind)} +median +{NUMBER} us/request", inprocess), inprocess
