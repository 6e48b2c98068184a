"""Lag features of univariate series: the computation behind the feature service.

Each series keeps a window of its most recent values. Adding a value first reads the window (the
*previous* values) and then stores the value, so ``in_1`` is the most recent previous value and
``in_k`` the k-th previous; a lag the series does not have yet is 0.0 and ``available_lags`` counts
the real ones.

- :class:`LagFeatures` turns a window into features (``in_1..in_N`` by default, optionally a first
  difference, a seasonal lag and a rolling mean) and works River-style on its own store;
- :class:`MemoryLagStore` keeps windows in the process; :class:`RedisLagStore` keeps them in Redis,
  where read-the-window-then-append is one Lua script, so several replicas can share it;
- both remember, per series, the answer given to each ``observation_id``: a retry gets the first
  answer back, marked ``duplicate``, and stores nothing.
"""

from libs.lag_features.features import LagFeatures
from libs.lag_features.redis_store import RedisLagStore
from libs.lag_features.store import Applied, LagStore, MemoryLagStore

__all__ = ["Applied", "LagFeatures", "LagStore", "MemoryLagStore", "RedisLagStore"]
