"""The evaluation panel: real series that ship inside installed packages (River, statsmodels)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    name: str
    frequency: str
    season: int
    what: str
    load: Callable[[], list[float]]


def _airline() -> list[float]:
    from river import datasets

    return [float(y) for _, y in datasets.AirlinePassengers()]


def _statsmodels(dataset: str, column: str) -> Callable[[], list[float]]:
    def load() -> list[float]:
        import importlib

        frame = importlib.import_module(f"statsmodels.datasets.{dataset}").load_pandas().data
        return [float(v) for v in frame[column]]

    return load


def _elec_equip() -> list[float]:
    from statsmodels.datasets import elec_equip

    frame = elec_equip.load_pandas().data
    return [float(v) for v in frame.iloc[:, 0]]


PANEL = (
    Series("airline", "monthly", 12, "air passengers 1949-60, multiplicative season", _airline),
    Series("elec_equip", "monthly", 12, "euro-area electrical equipment orders", _elec_equip),
    Series(
        "infl",
        "quarterly",
        4,
        "US inflation 1959-2009, negative values",
        _statsmodels("macrodata", "infl"),
    ),
    Series(
        "realgdp",
        "quarterly",
        4,
        "US real GDP 1959-2009, trend",
        _statsmodels("macrodata", "realgdp"),
    ),
    Series(
        "unemp",
        "quarterly",
        4,
        "US unemployment rate 1959-2009, cycles",
        _statsmodels("macrodata", "unemp"),
    ),
    Series(
        "sunspots",
        "yearly",
        1,
        "sunspot activity 1700-2008, zeros",
        _statsmodels("sunspots", "SUNACTIVITY"),
    ),
    Series(
        "nile",
        "yearly",
        1,
        "Nile flow 1871-1970, level shift, no season",
        _statsmodels("nile", "volume"),
    ),
)
"""Monthly, quarterly and yearly; with zeros, with negative values, without a season."""
