"""River's estimator checks (``river.checks``) for our estimators, as River's test suite runs them.

:func:`estimator_checks` yields what ``river.checks.yield_checks`` yields for forecasters,
regressors and transformers: the same check functions from ``river.checks.common`` and
``river.checks.time_series``, on the same data (River's forecaster stream, 200 observations of
``datasets.TrumpApproval``, ten times that for the memory check). River's own generator imports
scikit-learn for the datasets of other estimator kinds; importing it makes every later River
import pull scikit-learn in too, which would slow every model's first build, so it is not a
dependency here.
"""

import functools
from collections.abc import Callable, Iterator

from river import base, datasets
from river.checks import common
from river.checks import time_series as forecaster_checks
from river.time_series.base import Forecaster

GENERAL = (
    common.check_repr,
    common.check_str,
    common.check_tags,
    common.check_clone_same_class,
    common.check_clone_is_idempotent,
    common.check_init_has_default_params_for_tests,
    common.check_init_default_params_are_not_mutable,
    common.check_doc,
    common.check_clone_changes_memory_addresses,
    common.check_mutate_can_be_idempotent,
    common.check_pickling_supports_roundtrip,
    common.check_repr_roundtrips_clone,
    common.check_clone_with_new_params_applies,
    common.check_get_params_matches_signature,
)
ON_DATA = (
    common.check_learn_one,
    common.check_pickling,
    common.check_shuffle_features_no_impact,
    common.check_emerging_features,
    common.check_disappearing_features,
    common.check_radically_disappearing_features,
    common.check_predict_one_pure,
    common.check_predict_one_before_any_learn,
    common.check_no_state_aliasing_with_input,
    common.check_clone_is_independent,
)
FORECASTER_STREAM = (
    ({"time": 1.0, "period": 1.0}, 10.0),
    ({"time": 2.0, "period": 2.0}, 12.0),
    ({"time": 3.0, "period": 3.0}, 13.0),
    ({"time": 4.0, "period": 0.0}, 16.0),
    ({"time": 5.0, "period": 1.0}, 18.0),
    ({"time": 6.0, "period": 2.0}, 20.0),
    ({"time": 7.0, "period": 3.0}, 21.0),
    ({"time": 8.0, "period": 0.0}, 24.0),
)
"""The stream River checks forecasters on."""


def _data(model: base.Estimator, scale: int = 1) -> list:
    if isinstance(model, Forecaster):
        return list(FORECASTER_STREAM)
    return list(datasets.TrumpApproval().take(200 * scale))


def _on(check: Callable, data: list) -> Callable:
    partial = functools.partial(check, dataset=data)
    functools.update_wrapper(partial, check)
    return partial


def estimator_checks(model: base.Estimator) -> Iterator[Callable]:
    """The checks River runs on ``model``, minus those its ``_unit_test_skips`` names."""
    checks = list(GENERAL)
    if model._mutable_attributes:
        checks.append(common.check_mutable_attributes_exist)
    if isinstance(model, base.Wrapper):
        checks.append(common.check_wrapper_accepts_kwargs)
    if isinstance(model, Forecaster):
        on_data = [forecaster_checks.check_learn_one, forecaster_checks.check_forecast]
    else:
        on_data = list(ON_DATA)
        if isinstance(model, base.Transformer | base.SupervisedTransformer):
            on_data.append(common.check_transform_one)
        if model._is_stochastic:
            on_data.append(common.check_seeding_is_idempotent)
    checks += [_on(check, _data(model)) for check in on_data]
    if not isinstance(model, Forecaster):
        checks.append(_on(common.check_bounded_memory_growth, _data(model, scale=10)))
    skips = model._unit_test_skips()
    return (check for check in checks if check.__name__ not in skips)


def check_cases(estimators: dict[str, base.Estimator]) -> list:
    """``pytest.param(estimator, check)`` for every check of every named estimator, with
    ``name:check`` ids: what ``@pytest.mark.parametrize(("estimator", "check"), ...)`` takes,
    as River's own test suite runs its checks."""
    import pytest

    return [
        pytest.param(estimator, check, id=f"{name}:{check.__name__}")
        for name, estimator in estimators.items()
        for check in estimator_checks(estimator)
    ]
