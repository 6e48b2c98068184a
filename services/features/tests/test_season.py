import asyncio

import pytest
from fastapi.testclient import TestClient

from libs.lag_features import LagFeatures, MemoryLagStore
from services.features.app import create_app
from services.features.lags import LocalLags
from services.features.settings import FeaturesSettings


@pytest.fixture(params=["memory", "redis"])
def config(request, tmp_path):
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return FeaturesSettings(redis_url=url, redis_prefix=f"season{id(tmp_path)}", n_lags=2)
    return FeaturesSettings(state_dir=tmp_path / "state", redis_url="", n_lags=2)


def add(client, value: float, series: str = "q", **extra):
    return client.post("/add", json={"series_id": series, "value": value, **extra})


def test_season_of_the_first_request_is_kept_and_shown(config):
    with TestClient(create_app(config)) as client:
        first = add(client, 1.0, season=4)
        later = add(client, 2.0)
        same = add(client, 3.0, season=4)
        other = add(client, 5.0, series="plain")
        series, plain = client.get("/series/q").json(), client.get("/series/plain").json()
    assert [r.status_code for r in (first, later, same, other)] == [200] * 4
    assert [r.json()["season"] for r in (first, later, same)] == [4, 4, 4]
    assert other.json()["season"] is None
    assert (series["season"], series["window"]) == (4, [3.0, 2.0])
    assert plain["season"] is None and "feast" not in plain


def test_a_season_given_after_values_without_one_is_kept_from_then_on(config):
    with TestClient(create_app(config)) as client:
        add(client, 1.0)
        given = add(client, 2.0, season=7)
        refused = add(client, 3.0, season=12)
    assert given.json()["season"] == 7
    assert refused.status_code == 409


def test_another_season_is_409_naming_the_field_and_changes_nothing(config):
    with TestClient(create_app(config)) as client:
        add(client, 1.0, observation_id=1, season=4)
        before = client.get("/series/q").json()
        refused = add(client, 2.0, observation_id=2, season=12)
        retry = add(client, 2.0, observation_id=2)
        after = client.get("/series/q").json()
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("season 12 for series 'q'")
    assert "has season 4" in refused.json()["detail"]
    assert before["window"] == [1.0] and before["season"] == 4
    assert retry.json()["duplicate"] is False  # the refused value was not stored
    assert after["window"] == [2.0, 1.0] and after["season"] == 4


def test_a_batch_giving_two_seasons_for_one_series_applies_nothing(config):
    items = [
        {"series_id": "other", "value": 9.0},
        {"series_id": "q", "value": 1.0, "season": 7},
        {"series_id": "q", "value": 2.0, "season": 5},
    ]
    with TestClient(create_app(config)) as client:
        refused = client.post("/add_batch", json={"items": items})
        missing = [client.get(f"/series/{s}").status_code for s in ("q", "other")]
        accepted = client.post("/add_batch", json={"items": [*items[:2], items[1]]})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("items[2]: season 5 for series 'q'")
    assert missing == [404, 404]
    assert [r["season"] for r in accepted.json()["results"]] == [None, 7, 7]


def test_a_retry_giving_the_season_its_first_answer_lacked_keeps_the_season(config):
    with TestClient(create_app(config)) as client:
        first = add(client, 1.0, observation_id=1)
        retry = add(client, 1.0, observation_id=1, season=4)
        series = client.get("/series/q").json()
    assert first.json()["season"] is None
    assert (retry.json()["duplicate"], retry.json()["season"]) == (True, 4)
    assert (series["window"], series["season"]) == ([1.0], 4)


@pytest.mark.parametrize("season", ["4", 4.0, True, 0, -1, 367, None])
def test_a_season_that_is_not_an_integer_from_1_to_366_is_422(config, season):
    with TestClient(create_app(config)) as client:
        refused = add(client, 1.0, season=season)
        batch = client.post("/add_batch", json={"items": [{"value": 1.0, "season": season}]})
        stored = client.get("/info").json()["series_count"]
    if season is None:  # null is the same as no season
        assert refused.status_code == 200 and refused.json()["season"] is None
        return
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "season"]
    assert batch.status_code == 422
    assert batch.json()["detail"][0]["loc"] == ["body", "items", 0, "season"]
    assert stored == 0


def test_reset_forgets_the_season(config):
    with TestClient(create_app(config)) as client:
        add(client, 1.0, season=4)
        client.post("/reset", params={"series_id": "q"})
        again = add(client, 1.0, season=12)
    assert (again.status_code, again.json()["season"]) == (200, 12)


def test_the_season_survives_a_restart_in_process_mode(tmp_path):
    config = FeaturesSettings(state_dir=tmp_path / "state", redis_url="", snapshot_every=2)
    with TestClient(create_app(config)) as client:
        add(client, 1.0, season=4)  # journaled
        add(client, 2.0, series="late")
        add(client, 3.0, series="late", observation_id=5)
        add(client, 3.0, series="late", observation_id=5, season=7)  # a retry setting a season
    with TestClient(create_app(config)) as client:
        seasons = [client.get(f"/series/{s}").json()["season"] for s in ("q", "late")]
        refused = add(client, 4.0, season=12)
    assert seasons == [4, 7]
    assert refused.status_code == 409


def test_a_season_journaled_before_a_kill_is_there_after_the_restart(tmp_path):
    def open_lags() -> LocalLags:
        return LocalLags(LagFeatures(3, store=MemoryLagStore(3)), tmp_path, False, 10_000, 10)

    async def go():
        crashed = open_lags()
        await crashed.add_many([("q", 1.0, 1, None), ("q", 2.0, 2, 4)])
        await crashed.add_many([("r", 1.0, 1, None)])
        await crashed.add_many([("r", 1.0, 1, 7)])  # a retry: only its season is new
        crashed.durable.journal.close()  # what kill -9 leaves: no snapshot
        after = open_lags()
        return await after.season("q"), await after.season("r"), await after.window("r")

    assert asyncio.run(go()) == (4, 7, (1.0,))
