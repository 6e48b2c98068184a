import asyncio

import httpx
from fastapi.testclient import TestClient

from services.features.app import create_app
from services.features.settings import FeaturesSettings


def test_two_apps_sharing_redis_see_one_window_and_one_set_of_retries(redis_url):
    config = FeaturesSettings(redis_url=redis_url, n_lags=3)
    with TestClient(create_app(config)) as a, TestClient(create_app(config)) as b:
        a.post("/add", json={"value": 1.0, "observation_id": 1})
        second = b.post("/add", json={"value": 2.0, "observation_id": 2})
        retry = a.post("/add", json={"value": 2.0, "observation_id": 2})
        batch = b.post(
            "/add_batch",
            json={"items": [{"value": 3.0}, {"series_id": "x", "value": 5.0}, {"value": 4.0}]},
        )
        series = a.get("/series/default").json()
        info = b.get("/info").json()
    assert second.json()["features"] == {"in_1": 1.0, "in_2": 0.0, "in_3": 0.0}
    assert retry.json() == {**second.json(), "duplicate": True}
    assert [r["features"]["in_1"] for r in batch.json()["results"]] == [2.0, 0.0, 3.0]
    assert series["window"] == [4.0, 3.0, 2.0]
    assert (info["backend"], info["series_count"]) == ("redis", 2)


def test_concurrent_adds_through_two_apps_never_lose_or_repeat_a_value(redis_url):
    config = FeaturesSettings(redis_url=redis_url, n_lags=1)
    apps = [create_app(config), create_app(config)]

    async def go():
        async with (
            apps[0].router.lifespan_context(apps[0]),
            apps[1].router.lifespan_context(apps[1]),
        ):
            clients = [
                httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")
                for app in apps
            ]
            responses = await asyncio.gather(
                *(clients[i % 2].post("/add", json={"value": float(i)}) for i in range(100))
            )
            for c in clients:
                await c.aclose()
            return [r.json() for r in responses]

    answers = asyncio.run(go())
    previous = [a["features"]["in_1"] for a in answers if a["available_lags"]]
    assert len(previous) == 99 and len(set(previous)) == 99


def test_redis_down_is_503_with_a_clear_message_and_recovers_without_losing_lags(
    redis_server, redis_url
):
    with TestClient(create_app(FeaturesSettings(redis_url=redis_url))) as client:
        client.post("/add", json={"value": 1.0})
        redis_server.stop()
        down = client.post("/add", json={"value": 2.0})
        batch = client.post("/add_batch", json={"items": [{"value": 2.0}, {"value": 3.0}]})
        health = client.get("/health")
        redis_server.start()
        back = client.post("/add", json={"value": 2.0})
    assert down.status_code == 503
    assert down.json()["detail"].startswith("redis unavailable: ")
    assert batch.status_code == 503 and health.status_code == 503
    assert back.status_code == 200
    assert back.json()["available_lags"] == 0  # this Redis keeps no data across restarts
