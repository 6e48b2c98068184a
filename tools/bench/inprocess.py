"""``python -m tools.bench.inprocess``: what serving ``/predict_learn`` costs per route kind.

Calls ASGI apps directly (no network, no uvicorn) in alternating rounds: the model service's
``/predict_learn`` (an ``APIRoute``, as served), the same work behind a bare Starlette ``Route``
added to the same app, and the minimal FastAPI POST route returning a constant that
:mod:`tools.bench.hotpath` uses as its ceiling. Prints the median microseconds per request.
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time

from starlette.routing import Route

from libs.serving import JSON, parse_body
from services.model import schemas
from services.model.app import create_app
from services.model.routes import _learn_record
from services.model.settings import ModelSettings
from tools.bench.ceiling import create_app as create_ceiling

BODY = json.dumps({"features": {f"in_{k}": float(k) for k in range(1, 13)}, "target": 3.0})


def scope(path: str) -> dict:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
        "state": {},
    }


async def call(app, path: str) -> None:
    messages = [{"type": "http.request", "body": BODY.encode(), "more_body": False}]
    statuses = []

    async def receive():
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope(path), receive, send)
    if statuses != [200]:
        raise RuntimeError(f"{path} answered {statuses}")


async def per_request(app, path: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call(app, path)
    return (time.perf_counter() - start) / n * 1e6


async def starlette_learn(request) -> JSON:
    """``/predict_learn``'s work behind a bare Starlette route (no FastAPI request handling)."""
    body = await parse_body(request, schemas.LearnRequest)
    return JSON(await request.app.state.durable.submit(_learn_record(body)))


async def run(rounds: int, n: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as state:
        app = create_app(ModelSettings(state_dir=state))
        app.router.routes.insert(0, Route("/starlette_learn", starlette_learn, methods=["POST"]))
        ceiling = create_ceiling()
        kinds = {
            "APIRoute /predict_learn": (app, "/predict_learn"),
            "Starlette Route, same work": (app, "/starlette_learn"),
            "ceiling (constant)": (ceiling, "/"),
        }
        async with app.router.lifespan_context(app):
            for target, path in kinds.values():
                await per_request(target, path, 200)
            results = {name: [] for name in kinds}
            for _ in range(rounds):
                for name, (target, path) in kinds.items():
                    results[name].append(await per_request(target, path, n))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.inprocess", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=3000, help="requests per round")
    args = parser.parse_args(argv)
    for name, costs in asyncio.run(run(args.rounds, args.requests)).items():
        print(f"{name:28} median {statistics.median(costs):7.1f} us/request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
