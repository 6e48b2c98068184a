import copy

import pytest

from libs.testkit.river_checks import estimator_checks
from services.model.models import CATALOG, build_model

GROWS_BY_DESIGN = {("decision_tree", "check_bounded_memory_growth")}
"""A Hoeffding tree with a 50-observation grace period keeps splitting over the check's 2,000
samples: its memory is bounded by River's ``max_size`` (100 MiB), not flat."""


@pytest.mark.parametrize(
    ("name", "check"),
    [
        pytest.param(name, check, id=f"{name}:{check.__name__}")
        for name in CATALOG
        for check in estimator_checks(build_model(name, season=4))
        if (name, check.__name__) not in GROWS_BY_DESIGN
    ],
)
def test_every_catalog_model_passes_rivers_estimator_checks(name, check):
    """River's own checks on each model as the service builds it (River's test-suite way)."""
    check(copy.deepcopy(build_model(name, season=4)))
