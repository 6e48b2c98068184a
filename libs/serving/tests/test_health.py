"""Readiness checks of a backend reached by a blocking call: off the loop, bounded, kept."""

import asyncio
import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient

from libs.serving.health import add_health, reachable


def test_a_storm_of_readiness_probes_reaches_the_backend_once_per_period():
    calls = []
    check = reachable("bucket 'b'", lambda: calls.append(1), timeout=60, keep=3600)

    async def storm():
        first = await asyncio.gather(*(check(None) for _ in range(50)))
        return first + [await check(None) for _ in range(50)]

    assert asyncio.run(storm()) == [None] * 100
    assert len(calls) == 1


def test_an_outcome_kept_for_no_time_is_found_again_on_every_probe():
    calls = []
    check = reachable("bucket 'b'", lambda: calls.append(1), timeout=60, keep=0)

    async def probes():
        return [await check(None) for _ in range(5)]

    assert asyncio.run(probes()) == [None] * 5
    assert len(calls) == 5


def test_a_backend_that_never_answers_is_not_ready_after_the_timeout():
    answer = threading.Event()
    app = FastAPI()
    add_health(app, reachable("bucket 'b'", lambda: answer.wait(60), timeout=0.2, keep=0))
    with TestClient(app) as client:
        try:
            frozen = client.get("/readyz")
            alive = client.get("/healthz")
        finally:
            answer.set()  # the thread still waiting would hold up the loop's shutdown
    assert frozen.status_code == 503
    assert frozen.json() == {
        "status": "not ready",
        "reasons": ["bucket 'b' unreachable: no answer within 0.2 s"],
    }
    assert alive.status_code == 200
