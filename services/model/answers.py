"""The bodies the model service answers with."""

from services.model.series import SeriesState


def predicted(
    series_id: str,
    champion: str,
    predictions: dict,
    cold: bool,
    failed=(),
    served=None,
    rejected=(),
) -> dict:
    """The answer of a prediction (``/predict``; ``/predict_learn`` adds the id); ``served``
    when the champion is the baseline rather than a model."""
    return {
        "prediction": predictions[champion] if served is None else served,
        "model": champion,
        "predictions": predictions,
        "cold": cold,
        "failed": list(failed),
        "rejected": list(rejected),
        "series_id": series_id,
    }


def forecasted(
    series_id: str,
    champion: str,
    by_model: dict,
    cold: bool,
    failed: list,
    served=None,
    rejected=(),
) -> dict:
    """The answer of ``/predict_many``; ``served`` when the champion is the baseline."""
    return {
        "predictions": by_model[champion] if served is None else served,
        "model": champion,
        "by_model": by_model,
        "cold": cold,
        "failed": failed,
        "rejected": list(rejected),
        "series_id": series_id,
    }


def trained(state: SeriesState, series_id: str, oid: int | None, failed: list) -> dict:
    """The answer of ``/train``."""
    return {
        "learned": True,
        "count": state.learned,
        "series_id": series_id,
        "observation_id": oid,
        "duplicate": False,
        "failed": failed,
    }
