import pytest
from river import datasets

AIRLINE = [float(y) for _, y in datasets.AirlinePassengers()]


def lags(history: list[float], n: int = 12) -> dict[str, float]:
    """``in_1..in_n`` as the feature service computes them: previous values, 0.0 when missing."""
    return {f"in_{k}": history[-k] if k <= len(history) else 0.0 for k in range(1, n + 1)}


def airline_bodies(series_id: str = "default") -> list[dict]:
    """The airline series as ``/predict_learn`` bodies with 12 lags and observation ids 1..144."""
    return [
        {
            "features": lags(AIRLINE[:i]),
            "target": y,
            "series_id": series_id,
            "observation_id": i + 1,
        }
        for i, y in enumerate(AIRLINE)
    ]


@pytest.fixture
def bodies() -> list[dict]:
    return airline_bodies()
