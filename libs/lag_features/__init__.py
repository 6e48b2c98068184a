"""Lag features of univariate series: the computation behind the feature service.

Each series keeps a window of its most recent values. Adding a value first reads the window (the
*previous* values) and then stores the value, so ``in_1`` is the most recent previous value and
``in_k`` the k-th previous; a lag the series does not have yet is 0.0 and ``available_lags`` counts
the real ones.

- :class:`LagFeatures` turns a window into features (``in_1..in_N`` by default, optionally a first
  difference, a seasonal lag and a rolling mean) and works River-style on its own store;
- :class:`MemoryLagStore` keeps windows in the process; :class:`RedisLagStore` keeps them in Redis,
  where read-the-window-then-append is one Lua script, so several replicas can share it;
- :mod:`libs.lag_features.contract` owns the feature names (``in_k``, ``diff_1``, ...) and
  :func:`advance`, the one step that moves features forward (a recursive forecast's next input);
- both remember, per series, the value and answer of each ``observation_id``: a retry (same
  value) gets the first answer back, marked ``duplicate``, and stores nothing; another value
  under a used id raises :class:`ObservationConflict` and stores nothing either;
- both keep a series' ``season`` from the first item that gives one; another season later raises
  :class:`SeasonConflict` and stores nothing.

Two interfaces describe the stores: :class:`LagStore` (synchronous, what :class:`LagFeatures`
takes; :class:`MemoryLagStore`) and :class:`AsyncLagStore` (the same operations as coroutines;
:class:`RedisLagStore`).
"""

from libs.lag_features.contract import CannotAdvance, advance, lag_name, lag_names
from libs.lag_features.features import LagFeatures
from libs.lag_features.redis_store import RedisLagStore
from libs.lag_features.store import (
    Applied,
    AsyncLagStore,
    Item,
    LagStore,
    MemoryLagStore,
    ObservationConflict,
    SeasonConflict,
)

__all__ = [
    "Applied",
    "AsyncLagStore",
    "CannotAdvance",
    "Item",
    "LagFeatures",
    "LagStore",
    "MemoryLagStore",
    "ObservationConflict",
    "RedisLagStore",
    "SeasonConflict",
    "advance",
    "lag_name",
    "lag_names",
]
