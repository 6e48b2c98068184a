import httpx

from services.pipeline.tests.test_job import AIRLINE_LENGTH, summary


def test_stream_season_reaches_features_and_model_and_another_one_fails_the_job(stack):
    first = summary(stack.job("--max", "10", "--json", STREAM_SEASON="4"))
    other = stack.job("--batch", "25", "--json", STREAM_SEASON="12")
    rest = summary(stack.job("--batch", "25", "--json", STREAM_SEASON="4"))

    assert first["observations"] == 10
    assert other.returncode != 0
    assert "409" in other.stderr and "season 12 for series 'default'" in other.stderr
    assert rest["observations"] == AIRLINE_LENGTH - 10 and rest["exhausted"] is True
    features = httpx.get(f"{stack.features.url}/series/default", timeout=60).json()
    metrics = httpx.get(f"{stack.model.url}/model_metrics", timeout=60).json()
    assert features["season"] == 4
    assert metrics["series"]["default"]["season"] == 4
    assert metrics["series"]["default"]["source"] == "request"
    assert stack.model_count() == AIRLINE_LENGTH


def test_a_stream_season_that_is_not_a_positive_integer_is_a_configuration_error(stack):
    completed = stack.job(STREAM_SEASON="0")

    assert completed.returncode == 2
    assert completed.stderr.startswith("pipeline: invalid configuration: STREAM_SEASON: ")
